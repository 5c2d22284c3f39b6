using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// Using directives for extension methods (<c>Select</c>, <c>Get&lt;T&gt;</c>), which have no type for the import
/// annotation to hang on: added by hand, in order, unless already in scope through a file or global using.
/// </summary>
internal static class ServerFixImports
{
    public static SyntaxNode AddUsingIfMissing(SyntaxNode root, Compilation compilation, string @namespace)
    {
        if (root is not CompilationUnitSyntax unit
            || unit.Usings.Any(u => u.Alias is null && u.Name?.ToString() == @namespace)
            || compilation.SyntaxTrees.Any(t => t.GetRoot() is CompilationUnitSyntax other
                                               && other.Usings.Any(u => u.GlobalKeyword != default && u.Alias is null && u.Name?.ToString() == @namespace)))
        {
            return root;
        }

        var newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(@namespace))
            .WithTrailingTrivia(newLine.IsKind(SyntaxKind.EndOfLineTrivia) ? newLine : SyntaxFactory.LineFeed);
        var index = 0;
        while (index < unit.Usings.Count && Compare(unit.Usings[index].Name?.ToString(), @namespace) < 0)
        {
            index++;
        }

        return unit.WithUsings(unit.Usings.Insert(index, directive.WithAdditionalAnnotations(Formatter.Annotation)));
    }

    private static int Compare(string? a, string b)
    {
        static bool IsSystem(string name) => name == "System" || name.StartsWith("System.", StringComparison.Ordinal);
        if (a is null)
        {
            return -1;
        }

        if (IsSystem(a) != IsSystem(b))
        {
            return IsSystem(a) ? -1 : 1;
        }

        return string.CompareOrdinal(a, b);
    }
}
