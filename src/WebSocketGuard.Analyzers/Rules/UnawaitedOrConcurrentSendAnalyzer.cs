using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1005: <c>WebSocket.SendAsync</c> whose task is thrown away, or several sends on one socket started together
/// (<c>Task.WhenAll</c>/<c>WhenAny</c>, <c>Parallel.For*</c>, tasks collected in a loop). Returned or awaited sends,
/// and sends to different sockets, are fine.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnawaitedOrConcurrentSendAnalyzer : WebSocketAnalyzer
{
    public const string KindProperty = "Kind";
    public const string KindDiscarded = "Discarded";
    public const string KindStoredNeverAwaited = "StoredNeverAwaited";
    public const string KindConcurrent = "Concurrent";

    /// <summary>"true" when the send sits in an async function (or top-level code), so <c>await</c> can be added.</summary>
    public const string CanAwaitProperty = "CanAwait";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.UnawaitedOrConcurrentSend,
        title: "Send not awaited, or concurrent sends on one socket",
        messageFormat: "'{0}.SendAsync' {1}",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A WebSocket allows one outstanding send at a time. A send whose task nobody awaits loses its failure and lets the next send overlap it, which throws or interleaves frames; sends started together on one socket do the same.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var send = (IInvocationOperation)context.Operation;
        if (!send.IsWebSocketCall(symbols, "SendAsync"))
        {
            return;
        }

        var socketName = send.Instance?.Syntax is { } instanceSyntax ? instanceSyntax.ToString() : "the socket";
        if (send.IsDiscarded())
        {
            Report(context, send, KindDiscarded, CanAwait(send, context.ContainingSymbol),
                socketName, "is not awaited: a failed send goes unnoticed and the next send can overlap it");
            return;
        }

        var consumer = send.WalkUpConversions(out _);
        if (consumer is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: { } local } declarator }
            && declarator.Parent is IVariableDeclarationOperation { Declarators.Length: 1 }
            && !IsRead(send.GetRoot(), local))
        {
            Report(context, send, KindStoredNeverAwaited, CanAwait(send, context.ContainingSymbol),
                socketName, $"is stored in '{local.Name}' and never awaited: a failed send goes unnoticed and the next send can overlap it");
            return;
        }

        var socket = send.Instance.GetReferencedSymbol();
        if (socket is null || send.IsSerialised(symbols))
        {
            return;
        }

        var concurrency = FindConcurrency(send, socket, symbols);
        if (concurrency is not null)
        {
            Report(context, send, KindConcurrent, canAwait: false,
                socketName, concurrency + ": a WebSocket allows one send at a time; send in sequence or through a single writer");
        }
    }

    // Describes how this send runs together with other sends on the same socket, or null.
    private static string? FindConcurrency(IInvocationOperation send, ISymbol socket, WebSocketSymbols symbols)
    {
        IAnonymousFunctionOperation? crossedLambda = null;
        for (var ancestor = send.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            switch (ancestor)
            {
                case IAnonymousFunctionOperation lambda:
                    crossedLambda ??= lambda;
                    if (IsParallelLoopBody(lambda, symbols) && !socket.IsDeclaredWithin(lambda.Syntax))
                    {
                        return "runs in a Parallel loop body on one socket";
                    }

                    break;

                case ILocalFunctionOperation:
                    return null;

                case IInvocationOperation whenAll when IsTaskCombinator(whenAll, symbols):
                    if (socket.IsDeclaredWithin(whenAll.Syntax))
                    {
                        return null;
                    }

                    if (crossedLambda is not null)
                    {
                        return IsPerElementProjection(crossedLambda, symbols)
                            ? $"is started once per element inside Task.{whenAll.TargetMethod.Name}"
                            : null;
                    }

                    return IsLaterSendOnSameSocket(send, socket, whenAll, symbols)
                        ? $"runs together with another send on the same socket in Task.{whenAll.TargetMethod.Name}"
                        : null;
            }
        }

        // tasks.Add(socket.SendAsync(...)) inside a loop, for a later WhenAll.
        var consumer = send.WalkUpConversions(out var value);
        if (consumer is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Add", Instance: not null } add }
            && add.Arguments.Length == 1
            && IsTaskType(value.Type, symbols)
            && send.EnclosingLoop() is { } loop
            && !socket.IsDeclaredWithin(loop.Syntax))
        {
            return "is collected in a loop and started once per iteration";
        }

        return null;
    }

    private static bool IsTaskType(ITypeSymbol? type, WebSocketSymbols symbols)
        => WebSocketSymbols.IsOrDerivesFrom(type, symbols.Task) || SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, symbols.ValueTask);

    private static bool IsTaskCombinator(IInvocationOperation invocation, WebSocketSymbols symbols)
        => invocation.TargetMethod.Name is "WhenAll" or "WhenAny"
           && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Task);

    private static bool IsParallelLoopBody(IAnonymousFunctionOperation lambda, WebSocketSymbols symbols)
    {
        var consumer = lambda.WalkUpConversions(out _);
        if (consumer is IDelegateCreationOperation creation)
        {
            consumer = creation.WalkUpConversions(out _);
        }

        return consumer is IArgumentOperation { Parent: IInvocationOperation invocation }
            && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Parallel);
    }

    // A lambda given to Select (or another Enumerable projection) runs once per element.
    private static bool IsPerElementProjection(IAnonymousFunctionOperation lambda, WebSocketSymbols symbols)
    {
        var consumer = lambda.WalkUpConversions(out _);
        if (consumer is IDelegateCreationOperation creation)
        {
            consumer = creation.WalkUpConversions(out _);
        }

        return consumer is IArgumentOperation { Parent: IInvocationOperation invocation }
            && invocation.TargetMethod.Name is "Select" or "SelectMany"
            && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Enumerable);
    }

    // Reports the second and later sends on one socket in one WhenAll, so each pair is flagged once.
    private static bool IsLaterSendOnSameSocket(IInvocationOperation send, ISymbol socket, IInvocationOperation whenAll, WebSocketSymbols symbols)
    {
        foreach (var operation in whenAll.DescendantsInFunction())
        {
            if (operation is IInvocationOperation other
                && other != send
                && other.Syntax.SpanStart < send.Syntax.SpanStart
                && other.IsWebSocketCall(symbols, "SendAsync")
                && SymbolEqualityComparer.Default.Equals(other.Instance.GetReferencedSymbol(), socket))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRead(IOperation root, ISymbol local)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                && !(reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CanAwait(IOperation send, ISymbol containingSymbol)
    {
        foreach (var ancestor in send.AncestorsInFunction())
        {
            if (ancestor is ILockOperation)
            {
                return false;
            }
        }

        var function = send.EnclosingFunction();
        if (function is null && send.Syntax.FirstAncestorOrSelf<GlobalStatementSyntax>() is not null)
        {
            return true;
        }

        return send.EnclosingMethod(containingSymbol) is { IsAsync: true };
    }

    private static void Report(OperationAnalysisContext context, IInvocationOperation send, string kind, bool canAwait, string socketName, string detail)
    {
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(KindProperty, kind)
            .Add(CanAwaitProperty, canAwait ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(Rule, send.Syntax.GetLocation(), properties, socketName, detail));
    }
}
