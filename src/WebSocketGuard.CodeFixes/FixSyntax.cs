using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace WebSocketGuard.CodeFixes;

/// <summary>Builds the small pieces of syntax fixes insert, annotated so imports are added and names simplified.</summary>
internal static class FixSyntax
{
    /// <summary><c>TimeSpan.FromSeconds(n)</c>, adding <c>using System;</c> when needed.</summary>
    public static ExpressionSyntax TimeSpanFromSeconds(SyntaxGenerator generator, Compilation compilation, int seconds)
    {
        var timeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        var typeExpression = timeSpan is null
            ? SyntaxFactory.IdentifierName("TimeSpan")
            : generator.TypeExpression(timeSpan, addImport: true);
        return (ExpressionSyntax)generator.InvocationExpression(
            generator.MemberAccessExpression(typeExpression, "FromSeconds"),
            generator.LiteralExpression(seconds));
    }

    /// <summary>A static member of a type: <c>Type.Member</c>, adding the type's namespace import.</summary>
    public static ExpressionSyntax StaticMember(SyntaxGenerator generator, INamedTypeSymbol type, string member)
        => (ExpressionSyntax)generator.MemberAccessExpression(generator.TypeExpression(type, addImport: true), member);

    /// <summary>A type name that adds its import and is simplified.</summary>
    public static TypeSyntax Type(SyntaxGenerator generator, INamedTypeSymbol type)
        => (TypeSyntax)generator.TypeExpression(type, addImport: true);

    public static T Annotate<T>(T node)
        where T : SyntaxNode
        => node.WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);

    /// <summary>
    /// Inserts statements after <paramref name="anchor"/> when it sits in a statement list
    /// (a block, a switch section or top-level statements). False when there is no such place.
    /// </summary>
    public static bool TryInsertAfter(DocumentEditor editor, StatementSyntax anchor, params StatementSyntax[] statements)
    {
        switch (anchor.Parent)
        {
            case BlockSyntax:
            case SwitchSectionSyntax:
                editor.InsertAfter(anchor, statements);
                return true;
            case GlobalStatementSyntax global:
                var globals = new SyntaxNode[statements.Length];
                for (var i = 0; i < statements.Length; i++)
                {
                    globals[i] = SyntaxFactory.GlobalStatement(statements[i]);
                }

                editor.InsertAfter(global, globals);
                return true;
            default:
                return false;
        }
    }
}
