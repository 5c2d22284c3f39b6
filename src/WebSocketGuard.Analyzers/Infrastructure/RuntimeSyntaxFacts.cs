using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// Whether the application accepts sockets through our runtime anywhere (<c>MapWebSocket</c>, <c>WebSocketAccept.AcceptAsync</c>,
/// <c>AddWebSocketGuard</c>). App-wide like <see cref="ServerSyntaxFacts"/>, so found by syntax, cached per tree, and only
/// consulted when the compilation references the runtime: a look-alike can only make a rule quieter.
/// </summary>
internal static class RuntimeSyntaxFacts
{
    private static readonly ConditionalWeakTable<SyntaxTree, object> Cache = new();
    private static readonly object Yes = new();
    private static readonly object No = new();

    public static bool UsesRuntimeAccept(Compilation compilation, WebSocketSymbols symbols)
    {
        if (!symbols.HasAspNetRuntime)
        {
            return false;
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (Cache.GetValue(tree, Scan) == Yes)
            {
                return true;
            }
        }

        return false;
    }

    private static object Scan(SyntaxTree tree)
    {
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            if (node is InvocationExpressionSyntax invocation && CalledName(invocation.Expression) is { } name
                && (name is "MapWebSocket" or "AddWebSocketGuard"
                    || (name == "AcceptAsync" && invocation.Expression is MemberAccessExpressionSyntax { Expression: var receiver } && CalledName(receiver) == "WebSocketAccept")))
            {
                return Yes;
            }
        }

        return No;
    }

    private static string? CalledName(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        _ => null,
    };
}
