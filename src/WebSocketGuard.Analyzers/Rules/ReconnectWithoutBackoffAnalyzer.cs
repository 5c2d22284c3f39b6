using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1003: a retry path around <c>ClientWebSocket.ConnectAsync</c> — a loop that retries after its catch, a loop that
/// connects, pumps and connects again, or a method that calls itself from its catch — with no awaited delay, or only
/// a delay that does not grow with the attempt. Growing, random or unknown delays (helpers, policies) stay silent.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class ReconnectWithoutBackoffAnalyzer : WebSocketAnalyzer
{
    public const string KindProperty = "Kind";
    public const string KindImmediate = "Immediate";
    public const string KindFixedDelay = "FixedDelay";
    public const string KindRecursive = "Recursive";
    public const string KindTimer = "Timer";
    public const string KindHandler = "Handler";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.ReconnectWithoutBackoff,
        title: "Reconnect without backoff",
        messageFormat: "This reconnect {0}: when the server restarts, every client hammers it at once; wait with a capped exponential delay and jitter",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A reconnect path that retries immediately, or after a delay that does not grow, floods a recovering server with every client at once and burns CPU and battery while it is down. Back off exponentially with a cap and random jitter.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private enum DelayKind
    {
        Fixed,
        Growing,
        Unknown,
    }

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.ClientWebSocket is null || symbols.Task is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
        if (symbols.ThreadingTimer is not null)
        {
            context.RegisterOperationAction(c => AnalyzeThreadingTimer(c, symbols), OperationKind.ObjectCreation);
        }

        context.RegisterOperationAction(c => AnalyzeSubscription(c, symbols), OperationKind.EventAssignment);
        context.RegisterOperationAction(c => AnalyzeHandlerMethod(c, symbols), OperationKind.MethodBody);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var connect = (IInvocationOperation)context.Operation;
        if (!connect.IsClientConnect(symbols))
        {
            return;
        }

        var loop = FindRetryLoop(connect, symbols);
        if (loop is not null)
        {
            var verdict = JudgeDelays(new IOperation[] { loop }, loop, symbols, context.ContainingSymbol, out var fixedDelay);
            if (verdict == true && ClosesEachRound(loop, symbols))
            {
                return; // connect, talk, close, wait: a periodic job, not a reconnect
            }

            if (verdict is not null)
            {
                Report(context, connect, verdict.Value ? KindFixedDelay : KindImmediate, loop.Syntax, fixedDelay?.Syntax,
                    verdict.Value ? "waits a fixed delay between attempts" : "retries immediately");
            }

            return;
        }

        if (connect.EnclosingFunction() is not null || context.ContainingSymbol is not IMethodSymbol method)
        {
            return;
        }

        // Method that calls itself from its own catch: judged on the catch.
        if (FindRecursiveCatch(connect, method) is { } handler)
        {
            var verdict = JudgeDelays(new IOperation[] { handler }, null, symbols, method, out _);
            if (verdict is not null)
            {
                Report(context, connect, KindRecursive, null, null,
                    verdict.Value ? $"waits a fixed delay before '{method.Name}' calls itself again" : $"retries immediately: '{method.Name}' calls itself from its catch");
                return;
            }
        }

        // Method that connects, reads until the connection ends, then calls itself: judged on what runs after the read loop.
        if (FindReinvocationAfterEnd(connect, method, symbols) is { } afterEnd)
        {
            var verdict = JudgeDelays(afterEnd, null, symbols, method, out _);
            if (verdict is not null)
            {
                Report(context, connect, KindRecursive, null, null,
                    verdict.Value ? $"waits a fixed delay before '{method.Name}' calls itself again when the connection ends" : $"retries immediately: '{method.Name}' calls itself when the connection ends");
            }
        }
    }

    // The innermost loop in this function that retries the connect; null for a walk over endpoints.
    private static ILoopOperation? FindRetryLoop(IInvocationOperation connect, WebSocketSymbols symbols)
    {
        foreach (var ancestor in connect.AncestorsInFunction())
        {
            if (ancestor is not ILoopOperation loop || loop is IForEachLoopOperation)
            {
                continue;
            }

            if (UsesLoopVariable(connect, loop))
            {
                return null; // for (i...) connect(endpoints[i]): one attempt per endpoint
            }

            if ((connect.IsRetriedAfterCatch(loop) || loop.RepeatsUnconditionally(null)) && IsFirstConnectIn(loop, connect, symbols))
            {
                return loop;
            }
        }

        return null;
    }

    private static bool ClosesEachRound(ILoopOperation loop, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.Body.DescendantsInFunction())
        {
            if (operation is IInvocationOperation call
                && (call.IsWebSocketCall(symbols, "CloseAsync") || call.IsWebSocketCall(symbols, "CloseOutputAsync"))
                && !call.IsInsideCatch())
            {
                return true;
            }
        }

        return false;
    }

    private static bool UsesLoopVariable(IInvocationOperation connect, ILoopOperation loop)
    {
        foreach (var argument in connect.Arguments)
        {
            foreach (var operation in argument.Value.DescendantsAndSelf())
            {
                if (operation is ILocalReferenceOperation reference && loop.Locals.Contains(reference.Local, SymbolEqualityComparer.Default))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // One report per loop, on its first connect.
    private static bool IsFirstConnectIn(ILoopOperation loop, IInvocationOperation connect, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.Body.DescendantsInFunction())
        {
            if (operation is IInvocationOperation other && other != connect && other.IsClientConnect(symbols)
                && other.Syntax.SpanStart < connect.Syntax.SpanStart)
            {
                return false;
            }
        }

        return true;
    }

    private static IBlockOperation? FindRecursiveCatch(IInvocationOperation connect, IMethodSymbol method)
    {
        foreach (var operation in connect.GetRoot().DescendantsInFunction())
        {
            if (operation is IInvocationOperation call
                && SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition))
            {
                foreach (var ancestor in call.AncestorsInFunction())
                {
                    if (ancestor is ICatchClauseOperation clause)
                    {
                        return clause.Handler;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>
    /// null: backoff present, or cannot tell (stay silent). false: no delay at all. true: only fixed delays
    /// (<paramref name="fixedDelay"/> is the first of them).
    /// </summary>
    private static bool? JudgeDelays(IReadOnlyList<IOperation> scopes, ILoopOperation? loop, WebSocketSymbols symbols, ISymbol containingSymbol, out IInvocationOperation? fixedDelay)
    {
        fixedDelay = null;
        foreach (var scope in scopes)
        {
            foreach (var operation in scope.DescendantsInFunction().Prepend(scope))
            {
                if (operation is not IInvocationOperation invocation)
                {
                    continue;
                }

                switch (JudgeWait(invocation, loop, scopes[0], symbols, containingSymbol))
                {
                    case DelayKind.Fixed when !invocation.IsDiscarded() || invocation.TargetMethod.ReturnsVoid:
                        fixedDelay ??= invocation;
                        break;
                    case DelayKind.Growing or DelayKind.Unknown:
                        return null;
                }
            }
        }

        return fixedDelay is not null;
    }

    /// <summary>
    /// How a call waits: Fixed (a delay or a project helper waiting a set-once value), Growing/Unknown (backoff, or
    /// cannot tell), or null when it does not wait. A discarded Task.Delay waits for nothing; the caller checks that.
    /// </summary>
    private static DelayKind? JudgeWait(IInvocationOperation invocation, ILoopOperation? loop, IOperation scope, WebSocketSymbols symbols, ISymbol containingSymbol)
    {
        if (IsDelay(invocation, symbols))
        {
            if (invocation.IsDiscarded())
            {
                return null;
            }

            var value = invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null;
            return value is null ? DelayKind.Unknown : Classify(value, loop, scope, symbols, depth: 0);
        }

        var method = invocation.TargetMethod;
        if (symbols.IsWebSocket(method.ContainingType))
        {
            return null;
        }

        if (IsBackoffType(method.ContainingType))
        {
            return DelayKind.Unknown;
        }

        if (!SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, containingSymbol.OriginalDefinition))
        {
            switch (SetOnceValues.JudgeHelperWait(method.OriginalDefinition, symbols.Compilation))
            {
                case HelperWait.Fixed:
                    return DelayKind.Fixed;
                case HelperWait.Unknown:
                    return DelayKind.Unknown;
            }
        }

        return MayWait(invocation, containingSymbol) ? DelayKind.Unknown : null;
    }

    private static bool IsBackoffType(INamedTypeSymbol? type)
        => type is not null && ContainsAny(type.Name, "Backoff", "BackOff", "Retry", "Resilience", "Policy");

    private static bool IsDelay(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        return (method.Name == "Delay" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Task))
            || (method.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Thread));
    }

    // A call that may wait or back off in a way we cannot see: a name that says so, a retry/backoff type,
    // or a method of this compilation whose body delays. Any of them silences the rule.
    private static bool MayWait(IInvocationOperation invocation, ISymbol containingSymbol)
    {
        var method = invocation.TargetMethod;
        if (ContainsAny(method.Name, "Delay", "Sleep", "Wait", "Backoff", "BackOff", "Retry", "Tick"))
        {
            return true;
        }

        if (SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, containingSymbol.OriginalDefinition))
        {
            return false;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax().DescendantNodes())
            {
                if (node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Delay" or "Sleep" } })
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool ContainsAny(string text, params string[] parts)
    {
        foreach (var part in parts)
        {
            if (text.IndexOf(part, StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    // Fixed: the same value every attempt. Growing: depends on something the loop updates. Unknown: anything else.
    private static DelayKind Classify(IOperation value, ILoopOperation? loop, IOperation scope, WebSocketSymbols symbols, int depth)
    {
        value = value.WalkDownConversions();
        if (value.ConstantValue.HasValue || depth > 4)
        {
            return value.ConstantValue.HasValue ? DelayKind.Fixed : DelayKind.Unknown;
        }

        switch (value)
        {
            case IFieldReferenceOperation field:
                return SetOnceValues.IsSetOnce(field.Field, symbols.Compilation) ? DelayKind.Fixed : DelayKind.Unknown;

            case IPropertyReferenceOperation { Instance: { } timeSpan } property
                when SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.TimeSpan):
                return Classify(timeSpan, loop, scope, symbols, depth + 1); // TimeSpan.FromSeconds(10).TotalMilliseconds

            case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                return SetOnceValues.IsSetOnce(property.Property, symbols.Compilation) ? DelayKind.Fixed : DelayKind.Unknown;

            case ILocalReferenceOperation or IParameterReferenceOperation:
                var symbol = value.GetReferencedSymbol()!;
                if (loop is not null && loop.Body.IsWrittenWithin(symbol))
                {
                    return DelayKind.Growing;
                }

                // A constructor's parameter is given once per object; another method's may carry the attempt.
                return symbol is IParameterSymbol parameter
                    ? (loop is null && parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor } ? DelayKind.Unknown : DelayKind.Fixed)
                    : ClassifyLocalInitializer((ILocalSymbol)symbol, loop, scope, symbols, depth);

            case IBinaryOperation binary:
                return Combine(Classify(binary.LeftOperand, loop, scope, symbols, depth + 1), Classify(binary.RightOperand, loop, scope, symbols, depth + 1));

            case IObjectCreationOperation creation:
                return ClassifyArguments(creation.Arguments, loop, scope, symbols, depth);

            case IInvocationOperation invocation
                when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.TimeSpan)
                     || SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Math):
                return ClassifyArguments(invocation.Arguments, loop, scope, symbols, depth);

            case IInvocationOperation invocation:
                // GetDelay(attempt) grows with the attempt; ReconnectDelay() => _delay is fixed; Random.Next(...) and friends are unknown.
                if (ClassifyArguments(invocation.Arguments, loop, scope, symbols, depth) == DelayKind.Growing)
                {
                    return DelayKind.Growing;
                }

                return SetOnceValues.ReturnsSetOnceValue(invocation.TargetMethod.OriginalDefinition, symbols.Compilation) ? DelayKind.Fixed : DelayKind.Unknown;

            case IConditionalOperation conditional when conditional.WhenFalse is not null:
                // 'enabled ? period : Timeout.Infinite' picks one of two fixed values by a caller's switch.
                var condition = conditional.Condition.WalkDownConversions() is IParameterReferenceOperation { Type.SpecialType: SpecialType.System_Boolean } switchParameter
                                && (loop is null || !loop.Body.IsWrittenWithin(switchParameter.Parameter))
                    ? DelayKind.Fixed
                    : Classify(conditional.Condition, loop, scope, symbols, depth + 1);
                return condition == DelayKind.Growing
                    ? DelayKind.Growing
                    : Combine(condition, Combine(Classify(conditional.WhenTrue, loop, scope, symbols, depth + 1), Classify(conditional.WhenFalse, loop, scope, symbols, depth + 1)));

            default:
                return DelayKind.Unknown;
        }
    }

    private static DelayKind ClassifyArguments(ImmutableArray<IArgumentOperation> arguments, ILoopOperation? loop, IOperation scope, WebSocketSymbols symbols, int depth)
    {
        var result = DelayKind.Fixed;
        foreach (var argument in arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            result = Combine(result, Classify(argument.Value, loop, scope, symbols, depth + 1));
        }

        return result;
    }

    private static DelayKind Combine(DelayKind left, DelayKind right)
    {
        if (left == DelayKind.Growing || right == DelayKind.Growing)
        {
            return DelayKind.Growing;
        }

        return left == DelayKind.Fixed && right == DelayKind.Fixed ? DelayKind.Fixed : DelayKind.Unknown;
    }

    // A local is fixed when its only value is its (fixed) initializer.
    private static DelayKind ClassifyLocalInitializer(ILocalSymbol local, ILoopOperation? loop, IOperation scope, WebSocketSymbols symbols, int depth)
    {
        var function = scope.EnclosingFunction() ?? scope.GetRoot();
        IOperation? initializer = null;
        foreach (var operation in function.Descendants())
        {
            if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                initializer = declarator.Initializer?.Value;
            }
        }

        if (initializer is null || function.IsWrittenWithin(local))
        {
            return DelayKind.Unknown;
        }

        return Classify(initializer, loop, scope, symbols, depth + 1);
    }

    // The statements that run between the end of the read loop and a call of the method to itself with its own
    // arguments; null when the method does not call itself that way.
    private static List<IOperation>? FindReinvocationAfterEnd(IInvocationOperation connect, IMethodSymbol method, WebSocketSymbols symbols)
    {
        foreach (var operation in connect.GetRoot().DescendantsInFunction())
        {
            if (operation is not IInvocationOperation call
                || call.Syntax.SpanStart <= connect.Syntax.Span.End
                || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition)
                || call.IsInsideCatch()
                || !PassesItsOwnArguments(call)
                || StatementsBetween(connect, call, out var connectStatement) is not { } path)
            {
                continue;
            }

            var end = path.FindLastIndex(statement => ReadsUntilTheEnd(statement, symbols, after: null));
            if (end >= 0)
            {
                return path.GetRange(end + 1, path.Count - end - 1);
            }

            // try { connect; read; } catch { ... }  then the call: both the end and the failure lead to it.
            if (connectStatement is not null && ReadsUntilTheEnd(connectStatement, symbols, after: connect))
            {
                if (connectStatement is ITryOperation tryOperation)
                {
                    path.InsertRange(0, tryOperation.Catches.Where(c => !ClientRuleHelpers.EndsWithExit(c.Handler)).Select(c => (IOperation)c.Handler));
                }

                return path;
            }
        }

        return null;
    }

    // Connect(options) calling Connect(options) again; Connect(redirectUri) is a redirect, not a reconnect.
    private static bool PassesItsOwnArguments(IInvocationOperation call)
    {
        foreach (var argument in call.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.Value.WalkDownConversions().ConstantValue.HasValue)
            {
                continue;
            }

            if (argument.Value.WalkDownConversions() is not IParameterReferenceOperation parameter
                || argument.Parameter is null
                || parameter.Parameter.Ordinal != argument.Parameter.Ordinal)
            {
                return false;
            }
        }

        return true;
    }

    // The statements, in source order, that run after the connect's statement and before the call, when both sit in
    // one sequence of blocks; null otherwise (the call is in another branch, a finally, ...).
    private static List<IOperation>? StatementsBetween(IInvocationOperation connect, IInvocationOperation call, out IOperation? connectStatement)
    {
        connectStatement = null;
        var between = new List<IOperation>();
        IOperation child = call;
        foreach (var ancestor in call.AncestorsInFunction())
        {
            if (ancestor is IBlockOperation block)
            {
                for (var i = block.Operations.IndexOf(child) - 1; i >= 0; i--)
                {
                    var statement = block.Operations[i];
                    if (statement.Syntax.Span.Contains(connect.Syntax.Span))
                    {
                        connectStatement = statement;
                        between.Reverse();
                        return between;
                    }

                    between.Add(statement);
                }
            }

            if (ancestor.Syntax.Span.Contains(connect.Syntax.Span))
            {
                return null;
            }

            child = ancestor;
        }

        return null;
    }

    // A loop reading the socket, or an awaited project method that does: after it, the connection has ended.
    private static bool ReadsUntilTheEnd(IOperation statement, WebSocketSymbols symbols, IOperation? after)
    {
        foreach (var operation in statement.DescendantsInFunction().Prepend(statement))
        {
            if (after is not null && operation.Syntax.SpanStart <= after.Syntax.Span.End)
            {
                continue;
            }

            if (operation is ILoopOperation loop
                && loop.Body.DescendantsInFunction().Any(o => o is IInvocationOperation call && call.IsWebSocketCall(symbols, "ReceiveAsync")))
            {
                return true;
            }

            if (operation is IAwaitOperation { Operation: var awaited }
                && awaited.WalkDownConversions() is IInvocationOperation reader
                && reader.TargetMethod.DeclaringSyntaxReferences.Length == 1
                && reader.TargetMethod.DeclaringSyntaxReferences[0].GetSyntax().DescendantNodes().Any(n => n is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax
                    && n.DescendantNodes().Any(r => r is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ReceiveAsync" } })))
            {
                return true;
            }
        }

        return false;
    }

    private static void Report(OperationAnalysisContext context, IInvocationOperation connect, string kind, SyntaxNode? loop, SyntaxNode? delay, string detail)
    {
        var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind);
        var additional = loop is null
            ? null
            : delay is null ? new[] { loop.GetLocation() } : new[] { loop.GetLocation(), delay.GetLocation() };
        context.ReportDiagnostic(Diagnostic.Create(Rule, connect.Syntax.GetLocation(), additional, properties, detail));
    }
}
