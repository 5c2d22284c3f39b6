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
        messageFormat: "This receive loop never checks for a Close message: after the peer closes, the next ReceiveAsync on '{0}' throws and the Close is never answered",
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

        var messageLoop = ReceiveLoopHelpers.MessageLoop(call, symbols);
        if (messageLoop is null || HandlesClose(call, symbols) || call.ResultEscapes(symbols) || LeavesLoopOnResult(call, messageLoop, symbols))
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

        // State guard: 'while (socket.State == Open)' ends the loop after a Close; judged only when the socket is
        // this method's own (a caller or the owning type may answer the Close for a parameter or a field).
        if (TestsState(messageLoop, symbols) && (closes || call.SocketSymbol is not ILocalSymbol))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(BreakLeavesLoopProperty, call.Loop == messageLoop ? "true" : "false")
            .Add(ClosesAfterLoopProperty, closesAfterLoop ? "true" : "false");
        var socketName = call.SocketSymbol?.Name ?? invocation.Instance?.Syntax.ToString() ?? "socket";
        context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), properties, socketName));
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
    private static bool LeavesLoopOnResult(ReceiveCall call, ILoopOperation loop, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.Body.Descendants())
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

    private static bool Exits(IOperation branch, ILoopOperation loop)
    {
        foreach (var operation in branch.DescendantsAndSelf())
        {
            if (operation is IReturnOperation or IThrowOperation
                || (operation is IBranchOperation { BranchKind: BranchKind.Break } exit && SymbolEqualityComparer.Default.Equals(exit.Target, loop.ExitLabel)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TestsState(ILoopOperation loop, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.DescendantsAndSelf())
        {
            if (operation is IPropertyReferenceOperation { Property.Name: "State" } state && symbols.IsWebSocket(state.Property.ContainingType))
            {
                return true;
            }
        }

        return false;
    }
}
