using System;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// App-wide settings the server rules must see wherever they are written: an authorization fallback policy, a global
/// <c>AuthorizeFilter</c>, <c>HttpListener.AuthenticationSchemes</c>. Bodies elsewhere in the compilation have no semantic
/// model inside an operation action, so they are found by syntax, cached per tree (unchanged trees are not rescanned
/// on the next keystroke). A look-alike member elsewhere can only make a rule quieter, never noisier.
/// </summary>
internal sealed class ServerSyntaxFacts
{
    private static readonly ConditionalWeakTable<SyntaxTree, ServerSyntaxFacts> Cache = new();
    private static readonly ConditionalWeakTable<SyntaxTree, ServerSyntaxFacts>.CreateValueCallback Factory = Scan;

    /// <summary><c>o.FallbackPolicy = ...</c> or <c>SetFallbackPolicy(...)</c>: every endpoint requires a user unless it opts out.</summary>
    public bool FallbackPolicy { get; private set; }

    /// <summary><c>new AuthorizeFilter(...)</c>, or <c>MapControllers().RequireAuthorization()</c>: every controller action requires a user.</summary>
    public bool ControllersAuthorized { get; private set; }

    /// <summary><c>listener.AuthenticationSchemes = ...</c> or a scheme selector: HttpListener authenticates before the handler runs.</summary>
    public bool ListenerAuthenticates { get; private set; }

    /// <summary>An <c>AllowedOrigins</c> entry other than "*", <c>Configure&lt;WebSocketOptions&gt;(section)</c>, or a read of the Origin header.</summary>
    public bool OriginRestricted { get; private set; }

    /// <summary>Cookie-based authentication or session: <c>AddCookie</c>, <c>AddIdentity*</c>, <c>AddNegotiate</c>, <c>AddSession</c>...</summary>
    public bool CookieAuthentication { get; private set; }

    /// <summary>A call to <c>UseWebSockets</c>: origin findings are reported there, where the allow-list goes.</summary>
    public bool UsesWebSocketsMiddleware { get; private set; }

    public static ServerSyntaxFacts ForCompilation(Compilation compilation)
    {
        var result = new ServerSyntaxFacts();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var facts = Cache.GetValue(tree, Factory);
            result.FallbackPolicy |= facts.FallbackPolicy;
            result.ControllersAuthorized |= facts.ControllersAuthorized;
            result.ListenerAuthenticates |= facts.ListenerAuthenticates;
            result.OriginRestricted |= facts.OriginRestricted;
            result.CookieAuthentication |= facts.CookieAuthentication;
            result.UsesWebSocketsMiddleware |= facts.UsesWebSocketsMiddleware;
        }

        return result;
    }

    private static ServerSyntaxFacts Scan(SyntaxTree tree)
    {
        var facts = new ServerSyntaxFacts();
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            switch (node)
            {
                case AssignmentExpressionSyntax { Left: var left }:
                    var name = LastName(left);
                    facts.FallbackPolicy |= name == "FallbackPolicy";
                    facts.ListenerAuthenticates |= name is "AuthenticationSchemes" or "AuthenticationSchemeSelectorDelegate"
                        && !((AssignmentExpressionSyntax)node).Right.ToString().EndsWith("Anonymous", StringComparison.Ordinal);
                    break;
                case IdentifierNameSyntax { Identifier.ValueText: "AllowedOrigins" } allowedOrigins:
                    facts.OriginRestricted |= !OnlyWildcard(allowedOrigins);
                    break;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Origin" }:
                    facts.OriginRestricted = true; // Headers.Origin, HeaderNames.Origin
                    break;
                case LiteralExpressionSyntax literal when literal.Token.ValueText.Equals("Origin", StringComparison.OrdinalIgnoreCase):
                    facts.OriginRestricted = true; // Headers["Origin"]
                    break;
                case InvocationExpressionSyntax invocation:
                    var called = LastName(invocation.Expression);
                    facts.CookieAuthentication |= called is "AddCookie" or "AddIdentity" or "AddDefaultIdentity" or "AddIdentityCore" or "AddNegotiate"
                        or "AddSession" or "UseSession" or "AddMicrosoftIdentityWebApp" or "AddOpenIdConnect";
                    facts.UsesWebSocketsMiddleware |= called == "UseWebSockets";
                    facts.OriginRestricted |= invocation.Expression is MemberAccessExpressionSyntax { Name: GenericNameSyntax { Identifier.ValueText: "Configure", TypeArgumentList.Arguments: { Count: 1 } typeArguments } }
                        && LastName(typeArguments[0]) == "WebSocketOptions"
                        && invocation.ArgumentList.Arguments.Count > 0
                        && invocation.ArgumentList.Arguments[invocation.ArgumentList.Arguments.Count - 1].Expression is not LambdaExpressionSyntax;
                    facts.FallbackPolicy |= called == "SetFallbackPolicy";
                    facts.ControllersAuthorized |= called == "RequireAuthorization"
                        && invocation.Expression is MemberAccessExpressionSyntax { Expression: InvocationExpressionSyntax inner }
                        && LastName(inner.Expression) is "MapControllers" or "MapDefaultControllerRoute" or "MapControllerRoute";
                    break;
                case ObjectCreationExpressionSyntax creation:
                    facts.ControllersAuthorized |= LastName(creation.Type) == "AuthorizeFilter";
                    break;
            }
        }

        return facts;
    }

    // AllowedOrigins.Add("*") or AllowedOrigins = { "*" } allows every site: no restriction.
    private static bool OnlyWildcard(SyntaxNode allowedOrigins)
    {
        var statement = allowedOrigins.Parent;
        while (statement is MemberAccessExpressionSyntax or MemberBindingExpressionSyntax or ConditionalAccessExpressionSyntax)
        {
            statement = statement.Parent;
        }

        if (statement is not (InvocationExpressionSyntax or AssignmentExpressionSyntax))
        {
            return false;
        }

        var sawLiteral = false;
        foreach (var node in statement.DescendantNodes())
        {
            if (node is LiteralExpressionSyntax literal)
            {
                if (literal.Token.ValueText != "*")
                {
                    return false;
                }

                sawLiteral = true;
            }
        }

        return sawLiteral;
    }

    private static string? LastName(SyntaxNode node) => node switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        _ => null,
    };
}
