using System;
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
public sealed class ReconnectWithoutBackoffAnalyzer : WebSocketAnalyzer
{
    public const string KindProperty = "Kind";
    public const string KindImmediate = "Immediate";
    public const string KindFixedDelay = "FixedDelay";
    public const string KindRecursive = "Recursive";

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
            var verdict = JudgeDelays(loop, loop, symbols, context.ContainingSymbol, out var fixedDelay);
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

        // Method that calls itself from its own catch: judged on the catch.
        if (connect.EnclosingFunction() is null
            && context.ContainingSymbol is IMethodSymbol method
            && FindRecursiveCatch(connect, method) is { } handler)
        {
            var verdict = JudgeDelays(handler, null, symbols, method, out _);
            if (verdict is not null)
            {
                Report(context, connect, KindRecursive, null, null,
                    verdict.Value ? $"waits a fixed delay before '{method.Name}' calls itself again" : $"retries immediately: '{method.Name}' calls itself from its catch");
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
    private static bool? JudgeDelays(IOperation scope, ILoopOperation? loop, WebSocketSymbols symbols, ISymbol containingSymbol, out IInvocationOperation? fixedDelay)
    {
        fixedDelay = null;
        foreach (var operation in scope.DescendantsInFunction())
        {
            if (operation is not IInvocationOperation invocation)
            {
                continue;
            }

            if (IsDelay(invocation, symbols))
            {
                if (invocation.IsDiscarded())
                {
                    continue; // a Task.Delay nobody awaits waits for nothing
                }

                var value = invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null;
                var kind = value is null ? DelayKind.Unknown : Classify(value, loop, scope, symbols, depth: 0);
                if (kind != DelayKind.Fixed)
                {
                    return null;
                }

                fixedDelay ??= invocation;
            }
            else if (MayWait(invocation, containingSymbol, symbols))
            {
                return null;
            }
        }

        return fixedDelay is not null;
    }

    private static bool IsDelay(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        return (method.Name == "Delay" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Task))
            || (method.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Thread));
    }

    // A call that may wait or back off in a way we cannot see: a name that says so, a retry/backoff type,
    // or a method of this compilation whose body delays. Any of them silences the rule.
    private static bool MayWait(IInvocationOperation invocation, ISymbol containingSymbol, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (symbols.IsWebSocket(method.ContainingType))
        {
            return false;
        }

        if (ContainsAny(method.Name, "Delay", "Sleep", "Wait", "Backoff", "BackOff", "Retry", "Tick")
            || ContainsAny(method.ContainingType?.Name ?? string.Empty, "Backoff", "BackOff", "Retry", "Resilience", "Policy"))
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
                return field.Field.IsConst || field.Field.IsReadOnly ? DelayKind.Fixed : DelayKind.Unknown;

            case ILocalReferenceOperation or IParameterReferenceOperation:
                var symbol = value.GetReferencedSymbol()!;
                if (loop is not null && loop.Body.IsWrittenWithin(symbol))
                {
                    return DelayKind.Growing;
                }

                return symbol is IParameterSymbol
                    ? (loop is null ? DelayKind.Unknown : DelayKind.Fixed)
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
                // GetDelay(attempt) grows with the attempt; Random.Next(...) and friends are unknown.
                return ClassifyArguments(invocation.Arguments, loop, scope, symbols, depth) == DelayKind.Growing ? DelayKind.Growing : DelayKind.Unknown;

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

    private static void Report(OperationAnalysisContext context, IInvocationOperation connect, string kind, SyntaxNode? loop, SyntaxNode? delay, string detail)
    {
        var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind);
        var additional = loop is null
            ? null
            : delay is null ? new[] { loop.GetLocation() } : new[] { loop.GetLocation(), delay.GetLocation() };
        context.ReportDiagnostic(Diagnostic.Create(Rule, connect.Syntax.GetLocation(), additional, properties, detail));
    }
}
