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

    /// <summary>An awaited send inside an async void method or a void-delegate async lambda, which nobody can await.</summary>
    public const string KindFireAndForget = "FireAndForgetFunction";

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
            Report(context, send, KindDiscarded, CanAwaitWithoutNewFinding(send, context.ContainingSymbol, symbols),
                socketName, "is not awaited: a failed send goes unnoticed and the next send can overlap it");
            return;
        }

        var consumer = send.WalkUpConversions(out _);
        if (consumer is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: { } local } declarator }
            && declarator.Parent is IVariableDeclarationOperation { Declarators.Length: 1 }
            && !IsRead(send.GetRoot(), local))
        {
            Report(context, send, KindStoredNeverAwaited, CanAwaitWithoutNewFinding(send, context.ContainingSymbol, symbols),
                socketName, $"is stored in '{local.Name}' and never awaited: a failed send goes unnoticed and the next send can overlap it");
            return;
        }

        if (send.IsSerialised(symbols))
        {
            return;
        }

        var socket = send.Instance.GetReferencedSymbol();
        var concurrency = socket is null ? null : FindConcurrency(send, socket, symbols);
        if (concurrency is not null)
        {
            Report(context, send, KindConcurrent, canAwait: false,
                socketName, concurrency + ": a WebSocket allows one send at a time; send in sequence or through a single writer");
            return;
        }

        var fireAndForget = FindFireAndForgetFunction(send, context.ContainingSymbol, symbols);
        if (fireAndForget is not null)
        {
            var failure = send.IsInsideWebSocketCatch(symbols) ? "" : " and a failed send escapes where nothing catches it";
            Report(context, send, KindFireAndForget, canAwait: false,
                socketName, $"is awaited in {fireAndForget}, so no caller can await the send: calls overlap on one socket{failure}; let callers await a Task, or send through a single writer");
        }
    }

    // The async void method or void-delegate async lambda an awaited send runs in, described for the message; null when
    // the function is an event handler, the socket is the function's own local, the send is gated, or it is a pump.
    private static string? FindFireAndForgetFunction(IInvocationOperation send, ISymbol containingSymbol, WebSocketSymbols symbols)
        => send.AwaitOf() is null ? null : DescribeFireAndForgetFunction(send, containingSymbol, symbols);

    private static string? DescribeFireAndForgetFunction(IInvocationOperation send, ISymbol containingSymbol, WebSocketSymbols symbols)
    {
        if (send.EnclosingMethod(containingSymbol) is not { IsAsync: true, ReturnsVoid: true } function)
        {
            return null;
        }

        var functionOperation = send.EnclosingFunction();
        string description;
        switch (functionOperation)
        {
            case IAnonymousFunctionOperation lambda:
                if (IsEventHandlerShaped(function, symbols) && !IsTimersTimerElapsedHandler(lambda, symbols))
                {
                    return null;
                }

                var delegateType = (lambda.Parent as IDelegateCreationOperation)?.Type
                    ?? lambda.SemanticModel?.GetTypeInfo(lambda.Syntax).ConvertedType;
                description = delegateType is { TypeKind: TypeKind.Delegate }
                    ? $"an async lambda given as a void '{delegateType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}'"
                    : "an async lambda given as a void delegate";
                break;

            case ILocalFunctionOperation:
                if (IsEventHandlerShaped(function, symbols))
                {
                    return null;
                }

                description = $"the async void local function '{function.Name}'";
                break;

            default:
                // A signature someone else declared (override, interface, event handler) cannot become async Task.
                if (function.MethodKind != MethodKind.Ordinary || function.IsOverride
                    || IsInterfaceImplementation(function) || IsEventHandlerShaped(function, symbols))
                {
                    return null;
                }

                description = $"the async void method '{function.Name}'";
                break;
        }

        if (!IsSharedSocket(send.Instance, functionOperation)
            || CreatesTheSocket(send.Instance, functionOperation ?? send.GetRoot())
            || IsInPump(send, function, symbols)
            || IsInAwaitedUsing(send))
        {
            return null;
        }

        return description;
    }

    // (object sender, SomethingEventArgs e): async void is the only way to write it (VSTHRD100's exception too), and a UI
    // handler's failure reaches the dispatcher rather than vanishing.
    private static bool IsEventHandlerShaped(IMethodSymbol function, WebSocketSymbols symbols)
    {
        if (function.Parameters.Length != 2 || function.Parameters[0].Type.SpecialType != SpecialType.System_Object)
        {
            return false;
        }

        var args = function.Parameters[1].Type;

        // WinRT event args (RoutedEventArgs in UWP/WinUI) do not derive from System.EventArgs.
        return WebSocketSymbols.IsOrDerivesFrom(args, symbols.EventArgs)
            || args.Name.EndsWith("EventArgs", System.StringComparison.Ordinal);
    }

    // System.Timers.Timer raises Elapsed on the thread pool, again even while a handler is still running: the heartbeat
    // sends overlap and an async void failure there ends the process.
    private static bool IsTimersTimerElapsedHandler(IAnonymousFunctionOperation lambda, WebSocketSymbols symbols)
    {
        var consumer = lambda.WalkUpConversions(out _);
        if (consumer is IDelegateCreationOperation creation)
        {
            consumer = creation.WalkUpConversions(out _);
        }

        return consumer is IEventAssignmentOperation { EventReference: IEventReferenceOperation { Event: { Name: "Elapsed" } elapsed } }
            && WebSocketSymbols.IsOrDerivesFrom(elapsed.ContainingType, symbols.TimersTimer);
    }

    private static bool IsInterfaceImplementation(IMethodSymbol method)
    {
        if (!method.ExplicitInterfaceImplementations.IsEmpty)
        {
            return true;
        }

        if (method.ContainingType is not { } type || method.DeclaredAccessibility != Accessibility.Public)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // A socket reached through a field, a property, a parameter or a captured local outlives the call; a local the
    // function declares is its own. An instance the code cannot trace (a method's result) stays silent.
    // A function that makes the socket itself (Unity's 'async void Start() { _ws = new ClientWebSocket(); ... }') starts
    // that connection: a second call would replace the socket, so its sends are not the overlap this rule is about.
    private static bool CreatesTheSocket(IOperation? instance, IOperation body)
    {
        if (AssignedMember(instance) is not { } socket)
        {
            return false;
        }

        foreach (var operation in body.DescendantsInFunction())
        {
            if (operation is ISimpleAssignmentOperation assignment
                && assignment.Value.WalkDownConversions() is IObjectCreationOperation
                && AssignedMember(assignment.Target) is { } assigned
                && SymbolEqualityComparer.Default.Equals(assigned.OriginalDefinition, socket.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? AssignedMember(IOperation? reference) => reference?.WalkDownConversions() switch
    {
        IFieldReferenceOperation field => field.Field,
        IPropertyReferenceOperation property => property.Property,
        _ => null,
    };

    private static bool IsSharedSocket(IOperation? instance, IOperation? functionOperation)
    {
        var current = instance?.WalkDownConversions();
        while (true)
        {
            switch (current)
            {
                case IFieldReferenceOperation { Instance: { } owner } when owner is not IInstanceReferenceOperation:
                    current = owner.WalkDownConversions();
                    continue;
                case IPropertyReferenceOperation { Instance: { } owner } when owner is not IInstanceReferenceOperation:
                    current = owner.WalkDownConversions();
                    continue;
                case IArrayElementReferenceOperation element:
                    current = element.ArrayReference.WalkDownConversions();
                    continue;
                case IFieldReferenceOperation or IPropertyReferenceOperation or IInstanceReferenceOperation or IParameterReferenceOperation:
                    return true;
                case ILocalReferenceOperation local:
                    return functionOperation is not null && !local.Local.IsDeclaredWithin(functionOperation.Syntax);
                default:
                    return false;
            }
        }
    }

    // A loop that runs for the connection's life (while, do, for(;;), await foreach, a queue drain) or a method that
    // calls itself again is the socket's pump, started once; its lost failures are WSG1001's.
    private static bool IsInPump(IInvocationOperation send, IMethodSymbol function, WebSocketSymbols symbols)
    {
        foreach (var ancestor in send.AncestorsInFunction())
        {
            switch (ancestor)
            {
                case IWhileLoopOperation:
                case IForLoopOperation { Condition: null }:
                case ILoopOperation loop when loop.DrainsQueue(symbols):
                    return true;
            }
        }

        var body = send.EnclosingFunction() ?? send.GetRoot();
        foreach (var operation in body.DescendantsInFunction())
        {
            if (operation is IInvocationOperation call
                && SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, function.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    // 'using (await _lock.LockAsync())': a releaser acquired asynchronously around the send is an async lock.
    private static bool IsInAwaitedUsing(IOperation send)
    {
        foreach (var ancestor in send.AncestorsInFunction())
        {
            if (ancestor is IUsingOperation @using && ContainsAwait(@using.Resources))
            {
                return true;
            }

            // 'using var releaser = await ...;' declares in the block, not around the send: look at earlier siblings.
            if (ancestor is IBlockOperation block)
            {
                foreach (var statement in block.Operations)
                {
                    if (statement.Syntax.SpanStart >= send.Syntax.SpanStart)
                    {
                        break;
                    }

                    if (statement is IUsingDeclarationOperation earlier && ContainsAwait(earlier.DeclarationGroup))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool ContainsAwait(IOperation operation)
    {
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            if (descendant is IAwaitOperation)
            {
                return true;
            }
        }

        return false;
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

    // Awaiting a send inside fire-and-forget async void code only trades this finding for the async void one.
    private static bool CanAwaitWithoutNewFinding(IInvocationOperation send, ISymbol containingSymbol, WebSocketSymbols symbols)
        => CanAwait(send, containingSymbol)
           && (send.IsSerialised(symbols) || DescribeFireAndForgetFunction(send, containingSymbol, symbols) is null);

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
