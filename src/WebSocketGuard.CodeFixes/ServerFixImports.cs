using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// Using directives for extension methods (<c>Select</c>, <c>Get&lt;T&gt;</c>), which have no type to look up in scope:
/// added unless a file or global using already brings the namespace.
/// </summary>
internal static class ServerFixImports
{
    public static SyntaxNode AddUsingIfMissing(SyntaxNode root, Compilation compilation, string @namespace)
    {
        if (root is not CompilationUnitSyntax unit
            || compilation.SyntaxTrees.Any(t => t.GetRoot() is CompilationUnitSyntax other
                                               && other.Usings.Any(u => u.GlobalKeyword != default && u.Alias is null && u.Name?.ToString() == @namespace)))
        {
            return root;
        }

        return FixSyntax.AddUsings(unit, new[] { @namespace });
    }
}
