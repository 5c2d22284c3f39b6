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

    public static ServerSyntaxFacts ForCompilation(Compilation compilation)
    {
        var result = new ServerSyntaxFacts();
        foreach (var tree in compilation.SyntaxTrees)
        {
            var facts = Cache.GetValue(tree, Factory);
            result.FallbackPolicy |= facts.FallbackPolicy;
            result.ControllersAuthorized |= facts.ControllersAuthorized;
            result.ListenerAuthenticates |= facts.ListenerAuthenticates;
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
                case InvocationExpressionSyntax invocation:
                    var called = LastName(invocation.Expression);
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

    private static string? LastName(SyntaxNode node) => node switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        _ => null,
    };
}
