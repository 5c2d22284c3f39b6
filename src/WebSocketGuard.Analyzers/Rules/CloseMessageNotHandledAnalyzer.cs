using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1007: a loop receives messages but nothing in the method looks for the peer's Close:
/// no <c>WebSocketMessageType.Close</c>, no <c>CloseStatus</c>, no state check that ends the loop and answers.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CloseMessageNotHandledAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: "true" when the receive sits directly in the message loop, so a <c>break</c> leaves it.</summary>
    public const string BreakLeavesLoopProperty = "BreakLeavesLoop";

    /// <summary>Diagnostic property: "true" when the method already closes the socket after the loop.</summary>
    public const string ClosesAfterLoopProperty = "ClosesAfterLoop";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.CloseMessageNotHandled,
        title: "Close message not handled in a receive loop",
        messageFormat: "This receive loop never checks for a Close message on '{0}': the peer's Close is handled as data and never answered, and a receive after it throws",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "When the peer sends a Close frame, ReceiveAsync returns a result whose MessageType is Close. A loop that never looks at it treats the Close as data, calls ReceiveAsync again on a socket that is no longer open (which throws), and leaves the peer's Close unanswered. Check for WebSocketMessageType.Close, answer with CloseOutputAsync and leave the loop.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null || symbols.WebSocketMessageType is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "ReceiveAsync")
        {
            return;
        }

        var call = ReceiveCall.TryCreate(invocation, symbols);
        if (call is null || call.ResultUse is ReceiveResultUse.Escapes or ReceiveResultUse.Deconstructed)
        {
            return;
        }

        var function = invocation.EnclosingFunction();
        var body = function ?? call.Root;
        var messageLoop = ReceiveLoopHelpers.MessageLoop(call, symbols);
        if (messageLoop is null)
        {
            // 'async void Pump() { var r = await ws.ReceiveAsync(...); Handle(r); Pump(); }' receives in a loop too. No fix:
            // a 'break' has nothing to leave.
            if (function is not IAnonymousFunctionOperation
                && ReceiveLoopHelpers.CallsItselfAfter(invocation, body, invocation.EnclosingMethod(context.ContainingSymbol))
                && !HandlesClose(call, symbols)
                && !call.ResultEscapes(symbols)
                && !LeavesOnResult(call, body, loop: null, symbols)
                && !TestsState(body, symbols))
            {
                Report(context, call, breakLeavesLoop: false, closesAfterLoop: false);
            }

            return;
        }

        if (HandlesClose(call, symbols) || call.ResultEscapes(symbols) || LeavesOnResult(call, messageLoop.Body, messageLoop, symbols))
        {
            return;
        }

        var closes = false;
        var closesAfterLoop = false;
        foreach (var operation in call.Root.Descendants())
        {
            if (ReceiveLoopHelpers.IsCloseCall(operation, symbols))
            {
                closes = true;
                closesAfterLoop |= operation.Syntax.SpanStart >= messageLoop.Syntax.Span.End;
            }
        }

        var breakLeavesLoop = call.Loop == messageLoop;

        // State guard: 'while (socket.State == Open)' ends the loop after a Close; someone must still answer it.
        if (TestsState(messageLoop, symbols))
        {
            if (closes)
            {
                return;
            }

            // A parameter or field: the caller or the owning type may answer once the loop returns, unless nobody can
            // tell that it returned and the Close was already handled as a message.
            if (call.SocketSymbol is not ILocalSymbol)
            {
                var outermost = ReceiveLoopHelpers.OutermostLoop(invocation) ?? messageLoop;
                if (!EndIsUnobserved(function, invocation.EnclosingMethod(context.ContainingSymbol), symbols)
                    || ActsAfterLoop(body, outermost, call.SocketSymbol, context.ContainingSymbol.ContainingType)
                    || !UsesDataBeforeStateCheck(call, messageLoop, symbols))
                {
                    return;
                }

                // 'break' must leave every loop, or an outer loop goes on with a closed socket.
                breakLeavesLoop &= outermost == messageLoop;
            }
        }

        Report(context, call, breakLeavesLoop, closesAfterLoop);
    }

    private static void Report(OperationAnalysisContext context, ReceiveCall call, bool breakLeavesLoop, bool closesAfterLoop)
    {
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(BreakLeavesLoopProperty, breakLeavesLoop ? "true" : "false")
            .Add(ClosesAfterLoopProperty, closesAfterLoop ? "true" : "false");
        var socketName = call.SocketSymbol?.Name ?? call.Invocation.Instance?.Syntax.ToString() ?? "socket";
        context.ReportDiagnostic(Diagnostic.Create(Rule, call.Invocation.Syntax.GetLocation(), properties, socketName));
    }

    // async void, or a lambda started by a discarded Task.Run/StartNew: nothing runs when the loop ends.
    private static bool EndIsUnobserved(IOperation? function, IMethodSymbol? method, WebSocketSymbols symbols)
    {
        if (method is { IsAsync: true, ReturnsVoid: true })
        {
            return true;
        }

        if (function is not IAnonymousFunctionOperation lambda)
        {
            return false;
        }

        var consumer = lambda.WalkUpConversions(out _);
        if (consumer is IDelegateCreationOperation creation)
        {
            consumer = creation.WalkUpConversions(out _);
        }

        return consumer is IArgumentOperation { Parent: IInvocationOperation start }
               && ((start.TargetMethod.Name == "Run" && SymbolEqualityComparer.Default.Equals(start.TargetMethod.ContainingType, symbols.Task))
                   || (start.TargetMethod.Name == "StartNew" && SymbolEqualityComparer.Default.Equals(start.TargetMethod.ContainingType, symbols.TaskFactory)))
               && start.IsDiscarded();
    }

    // After the loop: a call into the own type, a callback or event, or anything given the socket may answer the Close.
    private static bool ActsAfterLoop(IOperation body, ILoopOperation loop, ISymbol? socket, INamedTypeSymbol? ownType)
    {
        var loopEnd = loop.Syntax.Span.End;
        foreach (var operation in body.DescendantsInFunction())
        {
            if (operation.Syntax.SpanStart < loopEnd || operation is not IInvocationOperation after)
            {
                continue;
            }

            if (after.TargetMethod.MethodKind == MethodKind.DelegateInvoke
                || (ownType is not null && WebSocketSymbols.IsOrDerivesFrom(ownType, after.TargetMethod.ContainingType)))
            {
                return true;
            }

            foreach (var argument in after.Arguments)
            {
                var value = argument.Value.WalkDownConversions();
                if (value is IInstanceReferenceOperation || (socket is not null && SymbolEqualityComparer.Default.Equals(value.GetReferencedSymbol(), socket)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The first read of the result or the buffer after the receive is not a condition, and no state check that
    // leaves the loop comes before it: the Close's empty payload is handled as a message.
    private static bool UsesDataBeforeStateCheck(ReceiveCall call, ILoopOperation loop, WebSocketSymbols symbols)
    {
        var receiveEnd = call.Invocation.Syntax.Span.End;
        var buffer = call.BufferSymbol;
        IOperation? firstUse = null;
        foreach (var operation in loop.Body.DescendantsInFunction())
        {
            if (operation.Syntax.SpanStart < receiveEnd
                || operation is IConversionOperation or IParenthesizedOperation
                || (firstUse is not null && operation.Syntax.SpanStart >= firstUse.Syntax.SpanStart))
            {
                continue;
            }

            var symbol = operation.GetReferencedSymbol();
            if (call.IsResult(operation) || (symbol is not null && SymbolEqualityComparer.Default.Equals(symbol, buffer)))
            {
                firstUse = operation;
            }
        }

        if (firstUse is null)
        {
            return false;
        }

        foreach (var ancestor in firstUse.AncestorsInFunction())
        {
            if (ancestor is IConditionalOperation conditional && firstUse.Syntax.IsInside(conditional.Condition.Syntax))
            {
                return false;
            }

            if (ancestor == loop)
            {
                break;
            }
        }

        foreach (var operation in loop.Body.DescendantsInFunction())
        {
            if (operation is IConditionalOperation check
                && check.Syntax.SpanStart >= receiveEnd
                && check.Syntax.SpanStart < firstUse.Syntax.SpanStart
                && TestsState(check.Condition, symbols)
                && (Exits(check.WhenTrue, loop, orContinue: true) || (check.WhenFalse is not null && Exits(check.WhenFalse, loop, orContinue: true))))
            {
                return false;
            }
        }

        return true;
    }

    // Anything in the method that tells a Close apart: the Close message type, a close status, the CloseReceived state.
    private static bool HandlesClose(ReceiveCall call, WebSocketSymbols symbols)
    {
        foreach (var operation in call.Root.Descendants())
        {
            switch (operation)
            {
                case IFieldReferenceOperation { Field.Name: "Close" } field
                    when SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, symbols.WebSocketMessageType):
                    return true;
                case IFieldReferenceOperation { Field.Name: "CloseReceived" or "Closed" } state
                    when SymbolEqualityComparer.Default.Equals(state.Field.ContainingType, symbols.WebSocketState):
                    return true;
                case IPropertyReferenceOperation { Property.Name: "CloseStatus" or "CloseStatusDescription" } status
                    when ReceiveLoopHelpers.IsResultType(status.Property.ContainingType, symbols) || symbols.IsWebSocket(status.Property.ContainingType):
                    return true;

                // handle(result.MessageType, ...): the callee sees the type and may check for Close.
                case IPropertyReferenceOperation { Property.Name: "MessageType" } type
                    when ReceiveLoopHelpers.IsResultType(type.Property.ContainingType, symbols)
                         && type.WalkUpConversions(out _) is IArgumentOperation { Parent: var callee }
                         && !(callee is IInvocationOperation invocation && symbols.IsWebSocket(invocation.TargetMethod.ContainingType)):
                    return true;
            }
        }

        return false;
    }

    // 'if (result.MessageType != Text) break;', 'if (result.Count == 0) return;', a switch on the type with an exit:
    // a Close (type Close, no payload) already leads out of the loop.
    private static bool LeavesOnResult(ReceiveCall call, IOperation scope, ILoopOperation? loop, WebSocketSymbols symbols)
    {
        foreach (var operation in scope.Descendants())
        {
            switch (operation)
            {
                case IConditionalOperation conditional when ReadsTypeOrCount(conditional.Condition, call, symbols):
                    if (Exits(conditional.WhenTrue, loop) || (conditional.WhenFalse is not null && Exits(conditional.WhenFalse, loop)))
                    {
                        return true;
                    }

                    break;
                case ISwitchOperation switchOperation when ReadsTypeOrCount(switchOperation.Value, call, symbols):
                    foreach (var section in switchOperation.Cases)
                    {
                        foreach (var body in section.Body)
                        {
                            if (Exits(body, loop))
                            {
                                return true;
                            }
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool ReadsTypeOrCount(IOperation condition, ReceiveCall call, WebSocketSymbols symbols)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            if (operation is IPropertyReferenceOperation { Property.Name: "MessageType" or "Count" } property
                && ReceiveLoopHelpers.IsResultType(property.Property.ContainingType, symbols)
                && call.IsResult(property.Instance))
            {
                return true;
            }
        }

        return false;
    }

    // return, throw, or (in a loop) a break out of it; a continue too when the loop condition is the state guard.
    private static bool Exits(IOperation branch, ILoopOperation? loop, bool orContinue = false)
    {
        foreach (var operation in branch.DescendantsAndSelf())
        {
            if (operation is IReturnOperation or IThrowOperation
                || (operation is IBranchOperation { BranchKind: BranchKind.Break } exit && loop is not null && SymbolEqualityComparer.Default.Equals(exit.Target, loop.ExitLabel))
                || (orContinue && operation is IBranchOperation { BranchKind: BranchKind.Continue } next && loop is not null && SymbolEqualityComparer.Default.Equals(next.Target, loop.ContinueLabel)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TestsState(IOperation scope, WebSocketSymbols symbols)
    {
        foreach (var operation in scope.DescendantsAndSelf())
        {
            if (operation is IPropertyReferenceOperation { Property.Name: "State" } state && symbols.IsWebSocket(state.Property.ContainingType))
            {
                return true;
            }
        }

        return false;
    }
}
