using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1015: a <c>foreach</c> over sockets (or objects holding one), or a <c>for</c> loop indexing such a collection, that awaits <c>WebSocket.SendAsync</c> on each in turn
/// with no per-send timeout. One client that stops reading fills its TCP window, its send never completes, and every
/// client after it waits. A loop that sends several chunks to one socket is not a broadcast and is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SequentialBroadcastAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: "true" when the loop has the simple shape the fix rewrites.</summary>
    public const string CanRewriteProperty = "CanRewrite";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.SequentialBroadcast,
        title: "Broadcast awaits each client in turn",
        messageFormat: "The loop over '{0}' awaits each client's SendAsync in turn with no timeout: one client that stops reading stalls every client after it",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A broadcast that awaits SendAsync client by client is as fast as its slowest client, and a client that stops reading blocks it forever. Send concurrently with a per-send timeout, or give each connection its own bounded outbound queue.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeLoop(c, symbols), OperationKind.Loop);
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var loop = (ILoopOperation)context.Operation;
        if (loop is not (IForEachLoopOperation { IsAsynchronous: false } or IForLoopOperation) || loop.Locals.IsEmpty)
        {
            return;
        }

        var function = loop.EnclosingFunctionOrRoot();
        IInvocationOperation? send = null;
        string? clients = null;
        var sends = 0;
        foreach (var descendant in loop.Body.Descendants())
        {
            if (descendant is IInvocationOperation invocation
                && invocation.EnclosingFunctionOrRoot() == function
                && invocation.AwaitOf() is not null)
            {
                if (invocation.TargetMethod.Name == "SendAsync"
                    && symbols.IsWebSocket(invocation.TargetMethod.ContainingType)
                    && ComesFromLoopVariable(invocation.Instance, loop, out var receivers))
                {
                    send ??= invocation;
                    clients ??= receivers;
                    sends++;
                }
                else if (IsSendHelperCall(invocation, loop, symbols, out receivers))
                {
                    send ??= invocation;
                    clients ??= receivers;
                    sends += 2; // a helper's body is not rewritten: report only
                }
            }

            if (HasTimeout(descendant, symbols))
            {
                return;
            }
        }

        if (send is null || clients is null)
        {
            return;
        }

        // The fix rewrites a foreach only; a for loop is reported without it.
        var token = TokenArgument(send, symbols);
        var canRewrite = loop is IForEachLoopOperation foreachLoop && sends == 1 && loop.Locals.Length == 1 && CanMoveIntoLambda(foreachLoop, function)
            && token is not null && !UsesBodyLocals(token.Value, foreachLoop);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CanRewriteProperty, canRewrite ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            send.Syntax.GetLocation(),
            new[] { loop.Syntax.GetLocation() },
            properties,
            clients));
    }

    // socket, pair.Value, client.Socket, ...: the receiver is the foreach variable or reached from it; in a for loop,
    // sockets[i] or clients[i].Socket: an element of a collection indexed by the loop's own variable.
    // 'clients' names what the loop goes over, for the message.
    private static bool ComesFromLoopVariable(IOperation? receiver, ILoopOperation loop, out string clients)
    {
        clients = string.Empty;
        var current = receiver?.WalkDownConversions();
        while (current is not null)
        {
            switch (current)
            {
                case ILocalReferenceOperation local when loop is IForEachLoopOperation && loop.Locals.Contains(local.Local, SymbolEqualityComparer.Default):
                    clients = local.Local.Name;
                    return true;
                case IArrayElementReferenceOperation element when loop is IForLoopOperation:
                    clients = element.ArrayReference.Syntax.ToString();
                    return element.Indices.Any(index => IsLoopIndex(index, loop));
                case IPropertyReferenceOperation { Property.IsIndexer: true } indexer when loop is IForLoopOperation:
                    clients = indexer.Instance?.Syntax.ToString() ?? string.Empty;
                    return indexer.Instance is not null && indexer.Arguments.Any(argument => IsLoopIndex(argument.Value, loop));
                case IPropertyReferenceOperation or IFieldReferenceOperation:
                    current = ((IMemberReferenceOperation)current).Instance?.WalkDownConversions();
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static bool IsLoopIndex(IOperation index, ILoopOperation loop)
        => index.WalkDownConversions() is ILocalReferenceOperation local && loop.Locals.Contains(local.Local, SymbolEqualityComparer.Default);

    // await SendMessageAsync(pair.Value, message): a helper in this project that takes the client's socket and
    // calls SendAsync itself (its body is read as syntax; one that only enqueues does not count).
    private static bool IsSendHelperCall(IInvocationOperation invocation, ILoopOperation loop, WebSocketSymbols symbols, out string clients)
    {
        clients = string.Empty;
        var method = invocation.TargetMethod;
        if (method.Name.IndexOf("Send", System.StringComparison.OrdinalIgnoreCase) < 0 || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var passesSocket = false;
        foreach (var argument in invocation.Arguments)
        {
            if (!passesSocket && argument.Parameter is { } parameter && symbols.IsWebSocket(parameter.Type) && ComesFromLoopVariable(argument.Value, loop, out var receivers))
            {
                passesSocket = true;
                clients = receivers;
            }
        }

        if (!passesSocket)
        {
            return false;
        }

        var sendsDirectly = false;
        foreach (var node in method.DeclaringSyntaxReferences[0].GetSyntax().DescendantNodes())
        {
            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name })
            {
                if (name is "TryWrite" or "WriteAsync" or "Enqueue" or "Post" or "Add" or "TryAdd" or "WaitAsync" or "CancelAfter" or "WhenAll" or "WhenAny")
                {
                    return false; // queues, or bounds the send itself
                }

                sendsDirectly |= name == "SendAsync";
            }
        }

        return sendsDirectly;
    }

    // A per-send deadline in the loop: CancelAfter, a timed CancellationTokenSource, WaitAsync(timeout), Task.WhenAny.
    private static bool HasTimeout(IOperation operation, WebSocketSymbols symbols)
    {
        switch (operation)
        {
            case IObjectCreationOperation creation:
                return SymbolEqualityComparer.Default.Equals(creation.Type, symbols.CancellationTokenSource) && !creation.Arguments.IsEmpty;
            case IInvocationOperation invocation:
                var name = invocation.TargetMethod.Name;
                return name is "CancelAfter" or "WaitAsync"
                    || (name == "WhenAny" && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Task));
            default:
                return false;
        }
    }

    // The body can become a lambda: no jumps out of it, no ref locals, and we are in an async function.
    private static bool CanMoveIntoLambda(IForEachLoopOperation loop, IOperation? function)
    {
        var isAsync = function switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol.IsAsync,
            ILocalFunctionOperation local => local.Symbol.IsAsync,
            _ => true, // awaiting in a member body requires async already
        };
        if (!isAsync)
        {
            return false;
        }

        foreach (var descendant in loop.Body.DescendantsAndSelf())
        {
            if (descendant is IBranchOperation or IReturnOperation)
            {
                if (descendant is IBranchOperation branch && branch.Target is not null && IsInside(branch, loop.Body) && IsInnerLoopTarget(branch, loop))
                {
                    continue;
                }

                return false;
            }
        }

        return true;
    }

    private static bool IsInside(IOperation operation, IOperation container)
        => container.Syntax.Span.Contains(operation.Syntax.Span);

    // break/continue of a loop nested inside the body stays valid in the lambda.
    private static bool IsInnerLoopTarget(IBranchOperation branch, IForEachLoopOperation loop)
    {
        for (var current = branch.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is ILoopOperation inner && (SymbolEqualityComparer.Default.Equals(inner.ContinueLabel, branch.Target)
                                                    || SymbolEqualityComparer.Default.Equals(inner.ExitLabel, branch.Target)))
            {
                return true;
            }

            if (current is ISwitchOperation switchOperation && SymbolEqualityComparer.Default.Equals(switchOperation.ExitLabel, branch.Target))
            {
                return true;
            }
        }

        return false;
    }

    // The token moves to the top of the lambda, so it must not read locals declared in the body.
    private static bool UsesBodyLocals(IOperation token, IForEachLoopOperation loop)
    {
        foreach (var operation in token.DescendantsAndSelf())
        {
            if (operation is ILocalReferenceOperation local
                && (loop.Locals.Contains(local.Local, SymbolEqualityComparer.Default)
                    || local.Local.DeclaringSyntaxReferences.Any(r => loop.Body.Syntax.Span.Contains(r.Span))))
            {
                return true;
            }
        }

        return false;
    }

    internal static IArgumentOperation? TokenArgument(IInvocationOperation send, WebSocketSymbols symbols)
    {
        foreach (var argument in send.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.Explicit && SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, symbols.CancellationToken))
            {
                return argument;
            }
        }

        return null;
    }
}
