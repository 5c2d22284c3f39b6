using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG2001: a WebSocket accepted where nothing on the request's path demands a user. Judged where the path is
/// visible: a minimal-API <c>Map*</c> lambda (its chain, group and attributes), a middleware lambda or class, a
/// controller action, an <c>HttpListener</c> context taken in the same method (or handed from there to a method that
/// accepts it), a SignalR <c>MapHub</c> (its hub's WebSocket transport). A fallback policy, a check of the user
/// or a 401/403 before the accept, and an explicit <c>AllowAnonymous</c> all silence it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnauthenticatedAcceptAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: which fix fits (absent: none).</summary>
    public const string FixProperty = "Fix";

    /// <summary>Append <c>.RequireAuthorization()</c> to the chain at the additional location.</summary>
    public const string FixRequireAuthorization = "RequireAuthorization";

    /// <summary>Add <c>[Authorize]</c> to the action method at the additional location.</summary>
    public const string FixAuthorizeAttribute = "Authorize";

    /// <summary>Insert a 401 guard before the statement holding the accept.</summary>
    public const string FixGuard = "Guard";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.UnauthenticatedAccept,
        title: "WebSocket accepted without authentication",
        messageFormat: "This WebSocket is accepted without authentication: {0}",
        category: RuleCategories.Security,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A WebSocket endpoint has no authentication of its own: anyone who can reach it gets a long-lived connection with whatever the handler offers. Require an authenticated user (RequireAuthorization, [Authorize], a fallback policy, or a check that answers 401) before accepting, or mark the endpoint AllowAnonymous deliberately.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var facts = new Lazy<ServerSyntaxFacts>(() => ServerSyntaxFacts.ForCompilation(context.Compilation));
        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols, facts), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols, Lazy<ServerSyntaxFacts> facts)
    {
        var accept = (IInvocationOperation)context.Operation;
        if (accept.IsHubMapping(symbols, out var hub))
        {
            if (!facts.Value.FallbackPolicy)
            {
                AnalyzeHubMapping(context, accept, hub!, symbols);
            }

            return;
        }

        if (IsListenerGetContext(accept, symbols))
        {
            AnalyzeListenerHandoff(context, accept, symbols, facts);
            return;
        }

        if (!accept.IsAccept(symbols))
        {
            if (ServerRuleHelpers.Implements(accept.TargetMethod.ReturnType, symbols.EndpointConventionBuilder) && !facts.Value.FallbackPolicy)
            {
                AnalyzeDelegatedHandler(context, accept, symbols);
            }

            return;
        }

        if (accept.IsHttpListenerAccept(symbols))
        {
            AnalyzeListenerAccept(context, accept, symbols, facts);
            return;
        }

        if (facts.Value.FallbackPolicy)
        {
            return;
        }

        // Lambdas first, innermost out: the first one registered as an endpoint or as middleware is the handler.
        for (var current = accept.Parent; current is not null; current = current.Parent)
        {
            if (current is ILocalFunctionOperation)
            {
                return; // registered somewhere we cannot see
            }

            if (current is not IAnonymousFunctionOperation lambda)
            {
                continue;
            }

            var registration = RegistrationOf(lambda);
            if (registration is null)
            {
                continue;
            }

            if (ServerRuleHelpers.Implements(registration.TargetMethod.ReturnType, symbols.EndpointConventionBuilder))
            {
                AnalyzeEndpoint(context, accept, lambda, registration, symbols);
                return;
            }

            if (IsPipelineRegistration(registration, symbols))
            {
                if (!HasCheckBefore(accept, lambda.Syntax, symbols, includeEarlierMiddleware: true))
                {
                    Report(context, accept, "the middleware does not check the user before accepting", GuardFix(accept, lambda, lambda.Symbol, symbols), null);
                }

                return;
            }
        }

        if (accept.EnclosingFunctionOrRoot() is IAnonymousFunctionOperation || context.ContainingSymbol is not IMethodSymbol method)
        {
            return; // a lambda stored or passed elsewhere: its registration is not visible
        }

        var body = method.DeclaringSyntaxReferences.Length == 1 ? method.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken) : null;
        if (body is null)
        {
            return;
        }

        if (WebSocketSymbols.IsOrDerivesFrom(method.ContainingType, symbols.ControllerBase))
        {
            if (!facts.Value.ControllersAuthorized
                && !HasAuthorizationAttribute(method, symbols)
                && !HasAuthorizationAttribute(method.ContainingType, symbols)
                && !HasCheckBefore(accept, body, symbols))
            {
                Report(context, accept, "neither the action nor its controller has [Authorize]", FixAuthorizeAttribute, body.GetLocation());
            }

            return;
        }

        if (IsMiddlewareInvoke(method, symbols) && !HasCheckBefore(accept, body, symbols))
        {
            Report(context, accept, "the middleware does not check the user before accepting", GuardFix(accept, accept.EnclosingFunctionOrRoot(), method, symbols), null);
        }
    }

    // HttpListener: judged only where the context comes from GetContext(Async) in the same method.
    private static void AnalyzeListenerAccept(OperationAnalysisContext context, IInvocationOperation accept, WebSocketSymbols symbols, Lazy<ServerSyntaxFacts> facts)
    {
        var listenerContext = accept.Instance.GetReferencedSymbol() as ILocalSymbol;
        var function = accept.EnclosingFunctionOrRoot();
        if (listenerContext is null || function is null || facts.Value.ListenerAuthenticates)
        {
            return;
        }

        var fromListener = false;
        foreach (var descendant in function.Descendants())
        {
            if (descendant is IVariableDeclaratorOperation { Initializer.Value: var value } declarator
                && SymbolEqualityComparer.Default.Equals(declarator.Symbol, listenerContext)
                && UnwrapAwait(value) is IInvocationOperation { TargetMethod.Name: "GetContext" or "GetContextAsync" } get
                && SymbolEqualityComparer.Default.Equals(get.TargetMethod.ContainingType, symbols.HttpListener))
            {
                fromListener = true;
            }
        }

        if (fromListener && !HasCheckBefore(accept, function.Syntax, symbols))
        {
            Report(context, accept, "the listener has no AuthenticationSchemes and the handler checks no user or token first", null, null);
        }
    }

    private static bool IsListenerGetContext(IInvocationOperation invocation, WebSocketSymbols symbols)
        => invocation.TargetMethod.Name is "GetContext" or "GetContextAsync"
           && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.HttpListener);

    /// <summary>
    /// <c>var context = await listener.GetContextAsync(); ProcessRequest(context);</c>: the context is handed to a method
    /// of the project that accepts it. That method's body is read as syntax; any sign of a check anywhere in it (before
    /// or after the accept) keeps the rule silent. Reported at the hand-off, where the listener's request loop is.
    /// </summary>
    private static void AnalyzeListenerHandoff(OperationAnalysisContext context, IInvocationOperation getContext, WebSocketSymbols symbols, Lazy<ServerSyntaxFacts> facts)
    {
        var consumer = ((IOperation?)getContext.AwaitOf() ?? getContext).WalkUpConversions(out _);
        var function = getContext.EnclosingFunctionOrRoot();
        if (consumer is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: var listenerContext } }
            || function is null
            || facts.Value.ListenerAuthenticates)
        {
            return;
        }

        foreach (var operation in function.Descendants())
        {
            if (operation is not IInvocationOperation { TargetMethod: { DeclaringSyntaxReferences.Length: 1 } handler } handoff
                || handoff.Syntax.SpanStart < getContext.Syntax.SpanStart
                || !handoff.Arguments.Any(a => a.Value.WalkDownConversions() is ILocalReferenceOperation local
                    && SymbolEqualityComparer.Default.Equals(local.Local, listenerContext)
                    && WebSocketSymbols.IsOrDerivesFrom(a.Parameter?.Type, symbols.HttpListenerContext)))
            {
                continue;
            }

            var body = handler.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken);
            if (!body.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: ServerRuleHelpers.AcceptMethodName })
                || body.DescendantTokens().Any(IsCheckToken)
                || HasCheckBefore(handoff, function.Syntax, symbols))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                handoff.Syntax.GetLocation(),
                $"the listener has no AuthenticationSchemes and its handler '{handler.Name}' accepts without checking the user"));
        }
    }

    /// <summary>
    /// <c>MapHub&lt;THub&gt;(...)</c>: the hub endpoint accepts WebSockets, judged like a minimal-API endpoint (its chain,
    /// group, fallback policy, earlier middleware), plus what only a hub has: <c>[Authorize]</c>/<c>[AllowAnonymous]</c>
    /// on the hub class or a base class, <c>AuthorizationData</c> in the options, a check of the caller inside the hub.
    /// </summary>
    private static void AnalyzeHubMapping(OperationAnalysisContext context, IInvocationOperation map, INamedTypeSymbol hub, WebSocketSymbols symbols)
    {
        if (HasAuthorizationAttribute(hub, symbols)
            || !ServerRuleHelpers.HubTakesWebSockets(map, symbols)
            || HubOptionsRequireUser(map, symbols)
            || HubChecksCaller(hub, context.CancellationToken)
            || HasCheckBefore(map, map.Syntax, symbols, includeEarlierMiddleware: true)
            || !IsUnprotectedEndpoint(map, symbols, out var chain))
        {
            return;
        }

        var properties = chain is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, FixRequireAuthorization);
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            map.Syntax.GetLocation(),
            chain is null ? null : new[] { chain },
            properties,
            $"the hub endpoint has no RequireAuthorization() and its hub '{hub.Name}' has no [Authorize]"));
    }

    // MapHub<T>("/hub", o => o.AuthorizationData.Add(new AuthorizeAttribute())): SignalR adds it to the endpoint's metadata.
    private static bool HubOptionsRequireUser(IInvocationOperation map, WebSocketSymbols symbols)
    {
        var options = ServerRuleHelpers.HubOptions(map, symbols, out _);
        return options is not null && options.Descendants().Any(o => o is IPropertyReferenceOperation { Property.Name: "AuthorizationData" });
    }

    // A hub (or a base hub of the project) that reads the user, aborts the caller, or names a token, credential or
    // authorization (so [Authorize] on some of its methods too): a check of its own. Read as syntax, since the hub may
    // live in another file.
    private static bool HubChecksCaller(INamedTypeSymbol hub, System.Threading.CancellationToken cancellationToken)
    {
        for (var type = hub; type is not null && !type.DeclaringSyntaxReferences.IsEmpty; type = type.BaseType)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken).DescendantTokens().Any(t => IsCheckToken(t) || t.ValueText == "Abort"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IOperation UnwrapAwait(IOperation value)
    {
        var current = value.WalkDownConversions();
        return current is IAwaitOperation await ? await.Operation.WalkDownConversions() : current;
    }

    private static IInvocationOperation? RegistrationOf(IAnonymousFunctionOperation lambda)
    {
        IOperation current = lambda;
        while (current.Parent is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        return current.Parent is IArgumentOperation { Parent: IInvocationOperation invocation } ? invocation : null;
    }

    private static bool IsPipelineRegistration(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        var receiverType = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return SymbolEqualityComparer.Default.Equals(receiverType, symbols.ApplicationBuilder);
    }

    private static bool IsMiddlewareInvoke(IMethodSymbol method, WebSocketSymbols symbols)
    {
        if (ServerRuleHelpers.Implements(method.ContainingType, symbols.AspNetMiddleware) && method.Name == "InvokeAsync")
        {
            return true;
        }

        return method.Name is "Invoke" or "InvokeAsync"
            && !method.IsStatic
            && method.Parameters.Length >= 1
            && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, symbols.HttpContext);
    }

    private static void AnalyzeEndpoint(OperationAnalysisContext context, IInvocationOperation accept, IAnonymousFunctionOperation lambda, IInvocationOperation map, WebSocketSymbols symbols)
    {
        if (HasAuthorizationAttribute(lambda.Symbol, symbols) || HasCheckBefore(accept, lambda.Syntax, symbols, includeEarlierMiddleware: true))
        {
            return;
        }

        if (IsUnprotectedEndpoint(map, symbols, out var chain))
        {
            Report(context, accept, "the endpoint has no RequireAuthorization() or [Authorize]", chain is null ? null : FixRequireAuthorization, chain);
        }
    }

    /// <summary>
    /// True when nothing on the endpoint's convention chain or route builder requires a user. <paramref name="chain"/>:
    /// where <c>.RequireAuthorization()</c> can be appended (the chain is a statement of its own), else null.
    /// </summary>
    private static bool IsUnprotectedEndpoint(IInvocationOperation map, WebSocketSymbols symbols, out Location? chain)
    {
        chain = null;

        // Up the convention chain: app.Map(...).RequireAuthorization().WithName(...)
        IOperation top = map;
        while (ChainParent(top) is { } next)
        {
            if (IsAuthorizationConvention(next, symbols))
            {
                return false;
            }

            top = next;
        }

        var consumer = top.WalkUpConversions(out _);
        if (consumer is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Add" } })
        {
            return false; // collected into a list of conventions
        }

        if (consumer is not IExpressionStatementOperation)
        {
            var local = consumer is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol : null;
            if (local is null || ConfiguredLater(local, map.GetRoot(), symbols))
            {
                return false; // returned, passed on, or configured afterwards
            }
        }

        if (!RouteBuilderIsUnprotected(map.Receiver(), map.GetRoot(), symbols))
        {
            return false;
        }

        chain = consumer is IExpressionStatementOperation ? top.Syntax.GetLocation() : null;
        return true;
    }

    /// <summary>
    /// <c>app.Map("/ws", WebSocketHandler.RunAsync)</c> or <c>app.Map("/ws", ctx => RunAsync(ctx))</c>: the accept sits in a
    /// method of the project that the endpoint hands its context to. That method's body is read as syntax (it may be in
    /// another file); any sign of a check before its accept keeps the rule silent. Reported at the handler.
    /// </summary>
    private static void AnalyzeDelegatedHandler(OperationAnalysisContext context, IInvocationOperation map, WebSocketSymbols symbols)
    {
        foreach (var argument in map.Arguments)
        {
            var (handler, location) = argument.Value.WalkDownConversions() switch
            {
                IDelegateCreationOperation { Target: IMethodReferenceOperation reference } => (reference.Method, reference.Syntax),
                IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } => ForwardedTo(lambda, symbols),
                IAnonymousFunctionOperation lambda => ForwardedTo(lambda, symbols),
                _ => (null, null),
            };

            if (handler is null || location is null
                || HasAuthorizationAttribute(handler, symbols)
                || IsMiddlewareInvoke(handler, symbols)
                || WebSocketSymbols.IsOrDerivesFrom(handler.ContainingType, symbols.ControllerBase)
                || !AcceptsWithoutVisibleCheck(handler, context.CancellationToken)
                || !IsUnprotectedEndpoint(map, symbols, out var chain))
            {
                continue;
            }

            var properties = chain is null ? ImmutableDictionary<string, string?>.Empty : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, FixRequireAuthorization);
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                location.GetLocation(),
                chain is null ? null : new[] { chain },
                properties,
                $"the endpoint has no RequireAuthorization() or [Authorize], and its handler '{handler.Name}' accepts without checking the user"));
            return;
        }
    }

    // ctx => HandleAsync(ctx): a lambda that accepts nothing itself and passes its HttpContext to a method of the project.
    private static (IMethodSymbol? Handler, SyntaxNode? Location) ForwardedTo(IAnonymousFunctionOperation lambda, WebSocketSymbols symbols)
    {
        IInvocationOperation? forward = null;
        foreach (var operation in lambda.Body.Descendants())
        {
            if (operation is not IInvocationOperation invocation)
            {
                continue;
            }

            if (invocation.IsAccept(symbols))
            {
                return (null, null); // judged at the accept
            }

            if (forward is null
                && invocation.TargetMethod.DeclaringSyntaxReferences.Length == 1
                && invocation.Arguments.Any(a => a.Value.WalkDownConversions() is IParameterReferenceOperation { Parameter: var parameter }
                    && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, lambda.Symbol)
                    && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.HttpContext)))
            {
                forward = invocation;
            }
        }

        return forward is null ? (null, null) : (forward.TargetMethod, forward.Syntax);
    }

    // Syntax only, since the handler may live in another file: an AcceptWebSocketAsync call with nothing before it that
    // reads the user, answers 401/403, or is named after a credential.
    private static bool AcceptsWithoutVisibleCheck(IMethodSymbol handler, System.Threading.CancellationToken cancellationToken)
    {
        var body = handler.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        var accept = body.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .FirstOrDefault(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AcceptWebSocketAsync" });
        if (accept is null)
        {
            return false;
        }

        foreach (var token in body.DescendantTokens())
        {
            if (token.SpanStart >= accept.SpanStart)
            {
                break;
            }

            if (IsCheckToken(token))
            {
                return false;
            }
        }

        return true;
    }

    // What a check looks like in syntax alone: the user, a 401/403, or a token, credential or authorization name.
    private static bool IsCheckToken(SyntaxToken token)
    {
        var text = token.ValueText;
        if (token.IsKind(SyntaxKind.NumericLiteralToken))
        {
            return text is "401" or "403";
        }

        return (token.IsKind(SyntaxKind.IdentifierToken) || token.IsKind(SyntaxKind.StringLiteralToken))
            && (IsCredentialName(text) || text is "User" or "IsAuthenticated" or "IsInRole" or "HasClaim" or "Unauthorized" or "Forbid" or "Challenge"
                or "ForbidAsync" or "ChallengeAsync" or "Status401Unauthorized" or "Status403Forbidden" or "Authorization");
    }

    // The call this value is the receiver of: builder.Next(...), for instance and extension methods alike.
    private static IInvocationOperation? ChainParent(IOperation operation)
    {
        var parent = operation.WalkUpConversions(out var value);
        if (parent is IInvocationOperation instanceCall && instanceCall.Instance == value)
        {
            return instanceCall;
        }

        return parent is IArgumentOperation { Parent: IInvocationOperation extensionCall } argument
               && extensionCall.TargetMethod.IsExtensionMethod
               && argument.Parameter?.Ordinal == 0
            ? extensionCall
            : null;
    }

    // The builder the endpoint is mapped on: the app itself, or a group without authorization we can see.
    private static bool RouteBuilderIsUnprotected(IOperation? receiver, IOperation root, WebSocketSymbols symbols)
    {
        var current = receiver?.WalkDownConversions();
        while (current is IInvocationOperation call)
        {
            if (IsAuthorizationConvention(call, symbols))
            {
                return false;
            }

            current = call.Receiver()?.WalkDownConversions();
        }

        switch (current.GetReferencedSymbol())
        {
            case ILocalSymbol local when IsApp(local.Type, symbols):
                return true;

            case ILocalSymbol local:
                foreach (var descendant in root.Descendants())
                {
                    if (descendant is IVariableDeclaratorOperation { Initializer.Value: var value } declarator
                        && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local)
                        && !RouteBuilderIsUnprotected(value, root, symbols))
                    {
                        return false;
                    }
                }

                return !ConfiguredLater(local, root, symbols);

            case IParameterSymbol parameter:
                // The app itself, or UseEndpoints(endpoints => ...); a group handed in by a caller may carry its own policy.
                return IsApp(parameter.Type, symbols)
                    || (parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction }
                        && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.EndpointRouteBuilder));

            case IFieldSymbol field:
                return IsApp(field.Type, symbols);
            case IPropertySymbol property:
                return IsApp(property.Type, symbols);
            default:
                return false;
        }
    }

    private static bool IsApp(ITypeSymbol type, WebSocketSymbols symbols)
        => WebSocketSymbols.IsOrDerivesFrom(type, symbols.WebApplication) || SymbolEqualityComparer.Default.Equals(type, symbols.ApplicationBuilder);

    // group.RequireAuthorization(); endpoint.AllowAnonymous(); anywhere in the same body.
    private static bool ConfiguredLater(ISymbol local, IOperation root, WebSocketSymbols symbols)
    {
        foreach (var invocation in root.Invocations())
        {
            if (IsAuthorizationConvention(invocation, symbols))
            {
                var receiver = invocation.Receiver()?.WalkDownConversions();
                while (receiver is IInvocationOperation inner)
                {
                    receiver = inner.Receiver()?.WalkDownConversions();
                }

                if (SymbolEqualityComparer.Default.Equals(receiver.GetReferencedSymbol(), local))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // RequireAuthorization / AllowAnonymous, or metadata that carries IAuthorizeData / IAllowAnonymous.
    private static bool IsAuthorizationConvention(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var name = invocation.TargetMethod.Name;
        if (name is "RequireAuthorization" or "AllowAnonymous")
        {
            return true;
        }

        if (name != "WithMetadata")
        {
            return false;
        }

        foreach (var descendant in invocation.Descendants())
        {
            if (descendant is IObjectCreationOperation creation
                && (ServerRuleHelpers.Implements(creation.Type, symbols.AuthorizeData) || ServerRuleHelpers.Implements(creation.Type, symbols.AllowAnonymous)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAuthorizationAttribute(ISymbol? symbol, WebSocketSymbols symbols)
    {
        for (var current = symbol; current is not null; current = (current as INamedTypeSymbol)?.BaseType)
        {
            foreach (var attribute in current.GetAttributes())
            {
                if (ServerRuleHelpers.Implements(attribute.AttributeClass, symbols.AuthorizeData)
                    || ServerRuleHelpers.Implements(attribute.AttributeClass, symbols.AllowAnonymous))
                {
                    return true;
                }
            }

            if (current is not INamedTypeSymbol)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the handler looks at who is calling before the accept: the user's identity or roles, an
    /// authenticate/authorize call, a 401/403, or anything named after a token or credential (a custom check).
    /// </summary>
    private static bool HasCheckBefore(IInvocationOperation accept, SyntaxNode handler, WebSocketSymbols symbols, bool includeEarlierMiddleware = false)
    {
        var root = accept.GetRoot();
        foreach (var operation in root.Descendants())
        {
            if (operation.Syntax.SpanStart >= accept.Syntax.SpanStart || operation.Syntax.SyntaxTree != handler.SyntaxTree)
            {
                continue;
            }

            if (handler.Span.Contains(operation.Syntax.Span) && IsCheck(operation, symbols))
            {
                return true;
            }

            // app.Use(... 401 ...) or app.UseMiddleware<TokenAuthMiddleware>() earlier in the same pipeline guards what follows.
            if (includeEarlierMiddleware
                && operation is IInvocationOperation registration
                && registration.Syntax.Span.End <= handler.SpanStart
                && IsPipelineRegistration(registration, symbols)
                && (IsCheck(registration, symbols) || ContainsCheck(registration, symbols)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsCheck(IOperation registration, WebSocketSymbols symbols)
    {
        foreach (var inner in registration.Descendants())
        {
            if (IsCheck(inner, symbols))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCheck(IOperation operation, WebSocketSymbols symbols)
    {
        switch (operation)
        {
            case ILiteralOperation or IFieldReferenceOperation when operation.ConstantValue is { HasValue: true, Value: int code } && code is 401 or 403:
                return true;
            case ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } }:
                return LooksLikeCredential(text) || text.Equals("Authorization", StringComparison.OrdinalIgnoreCase);
            case IPropertyReferenceOperation property:
                var member = property.Property;
                return (member.Name == "IsAuthenticated" && (ServerRuleHelpers.Implements(member.ContainingType, symbols.Identity)))
                    || (member.Name == "User" && SymbolEqualityComparer.Default.Equals(member.ContainingType, symbols.HttpListenerContext))
                    || LooksLikeCredential(member.Name);
            case IInvocationOperation invocation:
                var method = invocation.TargetMethod;
                if (method.Name is "UseAuthentication" or "UseAuthorization" or "AddAuthentication" or "AddAuthorization")
                {
                    return false; // they read credentials and policies but require a user only where endpoints ask for one
                }

                return method.Name is "IsInRole" or "HasClaim" or "AuthenticateAsync" or "AuthorizeAsync" or "ChallengeAsync" or "ForbidAsync"
                        or "Unauthorized" or "Forbid" or "Challenge"
                    || LooksLikeCredential(method.Name)
                    || LooksLikeCredential(method.ContainingType?.Name ?? string.Empty)
                    || method.TypeArguments.Any(t => LooksLikeCredential(t.Name)); // UseMiddleware<ApiKeyMiddleware>()
            default:
                return false;
        }
    }

    // A cancellation token is not a credential.
    private static bool IsCredentialName(string name)
        => LooksLikeCredential(name) && name.IndexOf("CancellationToken", StringComparison.OrdinalIgnoreCase) < 0;

    /// <summary>
    /// The accepted socket is handed to a method of the project that authenticates inside the protocol (its first
    /// message carries a token, as Home Assistant and MQTT do): that method's body, read as syntax, names a token,
    /// credential or authorization. The check runs after the accept, but it is a check.
    /// </summary>
    private static bool AuthenticatesInProtocol(IInvocationOperation accept, System.Threading.CancellationToken cancellationToken)
    {
        var consumer = accept.WalkUpConversions(out _);
        if (consumer is IAwaitOperation awaited)
        {
            consumer = awaited.WalkUpConversions(out _);
        }

        if (consumer is not IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: var socket } })
        {
            return false;
        }

        foreach (var operation in accept.GetRoot().Descendants())
        {
            if (operation is not IInvocationOperation { TargetMethod.DeclaringSyntaxReferences.Length: 1 } call
                || call.Syntax.SpanStart < accept.Syntax.SpanStart
                || !call.Arguments.Any(a => a.Value.WalkDownConversions() is ILocalReferenceOperation local && SymbolEqualityComparer.Default.Equals(local.Local, socket)))
            {
                continue;
            }

            if (call.TargetMethod.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken).DescendantTokens().Any(IsCheckToken))
            {
                return true;
            }
        }

        return false;
    }

    private static bool LooksLikeCredential(string name)
        => Has(name, "auth") || Has(name, "token") || Has(name, "jwt") || Has(name, "credential") || Has(name, "apikey")
           || Has(name, "api-key") || Has(name, "api_key") || Has(name, "login") || Has(name, "signin") || Has(name, "ticket");

    private static bool Has(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

    // A guard fits where "return;" is legal and the accept's statement sits in the handler, outside any loop.
    private static string? GuardFix(IInvocationOperation accept, IOperation? function, IMethodSymbol? method, WebSocketSymbols symbols)
    {
        if (function is null
            || accept.EnclosingFunctionOrRoot() != function
            || !ServerRuleHelpers.AllowsBareReturn(method, symbols)
            || ServerRuleHelpers.EnclosingLoop(accept.Syntax) is not null
            || ServerRuleHelpers.StatementInList(accept.Syntax) is null
            || accept.Instance?.WalkDownConversions() is not IPropertyReferenceOperation { Property.Name: "WebSockets", Instance: { } httpContext }
            || !SymbolEqualityComparer.Default.Equals(httpContext.Type, symbols.HttpContext)
            || symbols.AspNetStatusCodes is null)
        {
            return null;
        }

        return FixGuard;
    }

    private static void Report(OperationAnalysisContext context, IInvocationOperation accept, string why, string? fix, Location? fixLocation)
    {
        if (AuthenticatesInProtocol(accept, context.CancellationToken))
        {
            return;
        }

        var properties = fix is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(FixProperty, fix);
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            accept.Syntax.GetLocation(),
            fixLocation is null ? null : new[] { fixLocation },
            properties,
            why));
    }
}
