using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG2004: the accept still runs for a request that is not a WebSocket upgrade. Either a branch on
/// <c>!IsWebSocketRequest</c> answers (status code, log, <c>next</c>) but does not leave, or
/// <c>UseWebSockets</c> is registered after the middleware that accepts.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class NonWebSocketRequestFallsThroughAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: which shape was found.</summary>
    public const string KindProperty = "Kind";
    public const string KindFallThrough = "FallThrough";
    public const string KindOrder = "Order";

    /// <summary>Diagnostic property for <see cref="KindFallThrough"/>: "return" or "continue", the jump the fix adds (absent: no fix).</summary>
    public const string JumpProperty = "Jump";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.NonWebSocketRequestFallsThrough,
        title: "Non-WebSocket request falls through to the accept",
        messageFormat: "{0}",
        category: RuleCategories.Usage,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A branch that handles a request which is not a WebSocket upgrade must leave; otherwise AcceptWebSocketAsync runs anyway and throws, or the response is written twice. UseWebSockets must come before any middleware that accepts, or IsWebSocketRequest is always false there.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        context.RegisterOperationAction(c => AnalyzeConditional(c, symbols), OperationKind.Conditional);
        if (symbols.AspNetWebSocketMiddlewareExtensions is not null && symbols.ApplicationBuilder is not null)
        {
            context.RegisterOperationAction(c => AnalyzeUseWebSockets(c, symbols), OperationKind.Invocation);
        }
    }

    private static void AnalyzeConditional(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var conditional = (IConditionalOperation)context.Operation;
        if (conditional.WhenFalse is not null
            || conditional.Syntax is not IfStatementSyntax ifStatement
            || !ServerRuleHelpers.IsWebSocketRequestCheck(conditional.Condition, symbols, out var negated)
            || !negated
            || ifStatement.Statement is BlockSyntax { Statements.Count: 0 } or EmptyStatementSyntax
            || !ServerRuleHelpers.EndPointIsReachable(conditional.SemanticModel, ifStatement.Statement))
        {
            return;
        }

        var function = conditional.EnclosingFunctionOrRoot();
        var list = ifStatement.Parent;
        if (function is null || list is null)
        {
            return;
        }

        if (list is GlobalStatementSyntax { Parent: { } unit })
        {
            list = unit; // top-level statements: the compilation unit holds the rest
        }

        var accept = FindFallThroughAccept(function, ifStatement, list, symbols);
        if (accept is null)
        {
            return;
        }

        var loop = ServerRuleHelpers.EnclosingLoop(ifStatement);
        string? jump = null;
        if (loop is not null && loop.Contains(accept))
        {
            jump = "continue";
        }
        else if (loop is null && ServerRuleHelpers.AllowsBareReturn(conditional.EnclosingMethodSymbol(context.ContainingSymbol), symbols))
        {
            jump = "return";
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, KindFallThrough);
        if (jump is not null)
        {
            properties = properties.Add(JumpProperty, jump);
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            conditional.Condition.Syntax.GetLocation(),
            properties,
            "This branch handles a non-WebSocket request but does not leave, so AcceptWebSocketAsync still runs for it"));
    }

    // The first accept after the if, in the same function and statement list, not behind its own IsWebSocketRequest check.
    private static IInvocationOperation? FindFallThroughAccept(IOperation function, IfStatementSyntax ifStatement, SyntaxNode list, WebSocketSymbols symbols)
    {
        foreach (var invocation in function.Invocations())
        {
            if (invocation.Syntax.SpanStart > ifStatement.Span.End
                && list.Contains(invocation)
                && invocation.IsAccept(symbols)
                && invocation.EnclosingFunctionOrRoot() == function
                && !IsGuardedByPositiveCheck(invocation, ifStatement, symbols))
            {
                return invocation;
            }
        }

        return null;
    }

    private static bool IsGuardedByPositiveCheck(IOperation accept, IfStatementSyntax after, WebSocketSymbols symbols)
    {
        for (var current = accept.Parent; current is not null && current.Syntax.SpanStart > after.Span.End; current = current.Parent)
        {
            if (current is IConditionalOperation conditional
                && ServerRuleHelpers.IsWebSocketRequestCheck(conditional.Condition, symbols, out var negated)
                && (negated ? conditional.WhenFalse : conditional.WhenTrue) is { } guarded
                && guarded.Syntax.Span.Contains(accept.Syntax.Span))
            {
                return true;
            }
        }

        return false;
    }

    // app.Use(... accept ...); ... app.UseWebSockets();  The earlier middleware never sees an upgrade request.
    private static void AnalyzeUseWebSockets(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "UseWebSockets"
            || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.AspNetWebSocketMiddlewareExtensions))
        {
            return;
        }

        var builder = invocation.Receiver().GetReferencedSymbol();
        var statement = ServerRuleHelpers.StatementInList(invocation.Syntax);
        var function = invocation.EnclosingFunctionOrRoot();
        if (builder is null || statement is not ExpressionStatementSyntax || function is null)
        {
            return;
        }

        foreach (var registration in function.Invocations())
        {
            if (registration.Syntax.Span.End >= invocation.Syntax.SpanStart
                || registration.EnclosingFunctionOrRoot() != function
                || !SymbolEqualityComparer.Default.Equals(registration.Receiver().GetReferencedSymbol(), builder)
                || !IsPipelineRegistration(registration, symbols)
                || !Accepts(registration, symbols))
            {
                continue;
            }

            var registrationStatement = ServerRuleHelpers.StatementInList(registration.Syntax);
            var canMove = registrationStatement is not null
                && SameList(registrationStatement, statement)
                && registrationStatement.SpanStart < statement.SpanStart;
            var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, canMove ? KindOrder : null);
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                invocation.Syntax.GetLocation(),
                canMove ? new[] { registrationStatement!.GetLocation() } : null,
                properties,
                "UseWebSockets is registered after middleware that accepts WebSockets, which therefore never sees an upgrade request; register it first"));
            return;
        }
    }

    private static bool SameList(StatementSyntax a, StatementSyntax b)
    {
        var listA = a.Parent is GlobalStatementSyntax ga ? ga.Parent : a.Parent;
        var listB = b.Parent is GlobalStatementSyntax gb ? gb.Parent : b.Parent;
        return listA == listB;
    }

    // Use, Run, UseWhen, MapWhen, UseMiddleware, branch Map: middleware, not endpoints (endpoints run after all middleware).
    private static bool IsPipelineRegistration(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (ServerRuleHelpers.Implements(method.ReturnType, symbols.EndpointConventionBuilder))
        {
            return false;
        }

        var receiverType = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return SymbolEqualityComparer.Default.Equals(receiverType, symbols.ApplicationBuilder);
    }

    private static bool Accepts(IInvocationOperation registration, WebSocketSymbols symbols)
    {
        foreach (var inner in registration.Invocations())
        {
            if (inner != registration && inner.IsAccept(symbols))
            {
                return true;
            }
        }

        return registration.TargetMethod.Name == "UseMiddleware"
            && registration.TargetMethod.TypeArguments.Length == 1
            && MiddlewareAccepts(registration.TargetMethod.TypeArguments[0]);
    }

    // Another type's bodies have no semantic model here, so its Invoke method is read as syntax: an
    // "AcceptWebSocketAsync" call on ".WebSockets" is specific enough, and a miss only makes the rule quieter.
    private static bool MiddlewareAccepts(ITypeSymbol middleware)
    {
        foreach (var member in middleware.GetMembers())
        {
            if (member is not IMethodSymbol { Name: "Invoke" or "InvokeAsync" } method)
            {
                continue;
            }

            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax().DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax
                        {
                            Expression: MemberAccessExpressionSyntax
                            {
                                Name.Identifier.ValueText: ServerRuleHelpers.AcceptMethodName,
                                Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WebSockets" },
                            },
                        })
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
