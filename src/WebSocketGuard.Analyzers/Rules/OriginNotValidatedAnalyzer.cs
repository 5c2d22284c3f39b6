using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG2002: the application accepts WebSockets and nothing restricts the Origin: no <c>AllowedOrigins</c> entry
/// (other than "*"), no options bound from configuration, no read of the Origin header. Reported at
/// <c>UseWebSockets</c> (where the allow-list goes), or, when there is none, at each accept (HttpListener) and each
/// SignalR <c>MapHub</c>.
/// Warning with cookie-based authentication, where cross-site WebSocket hijacking rides the user's session; Info otherwise.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OriginNotValidatedAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: "true" when the report is on <c>UseWebSockets</c> on a <c>WebApplication</c>, which the fix can edit.</summary>
    public const string CanAddAllowListProperty = "CanAddAllowList";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.OriginNotValidated,
        title: "Origin not validated (cross-site WebSocket hijacking)",
        messageFormat: "{0}",
        category: RuleCategories.Security,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "Browsers send cookies on a cross-site WebSocket upgrade and do not apply CORS to it, so any web page a user visits can open a socket to this server as that user unless the server checks the Origin header. Set WebSocketOptions.AllowedOrigins (or check Origin before accepting).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var facts = new Lazy<ServerSyntaxFacts>(() => ServerSyntaxFacts.ForCompilation(context.Compilation));
        var runtimeAccept = new Lazy<bool>(() => RuntimeSyntaxFacts.UsesRuntimeAccept(context.Compilation, symbols));
        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols, facts, runtimeAccept), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols, Lazy<ServerSyntaxFacts> facts, Lazy<bool> runtimeAccept)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var isUse = invocation.TargetMethod.Name == "UseWebSockets"
            && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.AspNetWebSocketMiddlewareExtensions);
        // A hub's WebSocket transport: CORS does not cover it, but SignalR runs the WebSocket middleware with the app's
        // WebSocketOptions, so a configured AllowedOrigins (or UseWebSockets ahead of the endpoints) does.
        var isHub = invocation.IsHubMapping(symbols, out _);
        if (!isUse && !isHub && !invocation.IsAccept(symbols))
        {
            return;
        }

        // Our runtime's accept checks Origin against its own allow-list, which is empty (refuse every browser origin) by default.
        if (facts.Value.OriginRestricted || runtimeAccept.Value || (!isUse && facts.Value.UsesWebSocketsMiddleware && !invocation.IsHttpListenerAccept(symbols)))
        {
            return;
        }

        if (isHub && !ServerRuleHelpers.HubTakesWebSockets(invocation, symbols))
        {
            return;
        }

        var cookies = facts.Value.CookieAuthentication;
        var where = isUse ? "UseWebSockets has no AllowedOrigins"
            : isHub ? "This hub accepts WebSockets from any Origin (a CORS policy does not cover them) and no WebSocketOptions.AllowedOrigins is set"
            : "This WebSocket is accepted without checking the Origin header";
        var message = cookies
            ? where + ": with cookie authentication any web site a user visits can open this socket as that user (cross-site WebSocket hijacking)"
            : where + ": any web site can open this socket from a visitor's browser";
        var canFix = isUse
            && WebSocketSymbols.IsOrDerivesFrom(invocation.Receiver()?.WalkDownConversions().Type, symbols.WebApplication)
            && invocation.Syntax.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax statement
            && ServerRuleHelpers.StatementInList(statement) is not null
            && UseWebSocketsArgumentIsFixable(invocation);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CanAddAllowListProperty, canFix ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            invocation.Syntax.GetLocation(),
            cookies ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info,
            additionalLocations: null,
            properties,
            message));
    }

    // No options, or options written in place ("new WebSocketOptions { ... }"), which the fix can take over.
    private static bool UseWebSocketsArgumentIsFixable(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == 1 && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                return argument.Value.WalkDownConversions() is IObjectCreationOperation { Arguments.IsEmpty: true };
            }
        }

        return true;
    }
}
