using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// Syntax helpers of the socket I/O fixes (WSG1010, WSG1012, WSG1014). Type names are written qualified and
/// marked, then <see cref="AddImportsAsync"/> turns each qualifier into a <c>using</c> directive and the
/// simplifier shortens the name (on Roslyn 4.8 the post-fix cleanup does not add imports by itself).
/// </summary>
internal static class IoFixSyntax
{
    private static readonly SyntaxAnnotation ImportsAnnotation = new("WebSocketGuard.IoImports");

    /// <summary>A fully qualified type name (<c>System.Threading.Tasks.Task</c>) that becomes an import plus a short name.</summary>
    public static TypeSyntax QualifiedType(string fullName)
        => SyntaxFactory.ParseTypeName(fullName).WithAdditionalAnnotations(Simplifier.Annotation, ImportsAnnotation);

    /// <summary>
    /// The same name in expression position (<c>Type.Member</c>): when the simplifier must keep it qualified, it stays a
    /// member access, as the compiler parses it, rather than a qualified type name.
    /// </summary>
    public static ExpressionSyntax QualifiedTypeExpression(string fullName)
        => SyntaxFactory.ParseExpression(fullName).WithAdditionalAnnotations(Simplifier.Annotation, ImportsAnnotation);

    /// <summary><c>System.TimeSpan.FromSeconds(n)</c>, shortened to <c>TimeSpan.FromSeconds(n)</c> with <c>using System;</c>.</summary>
    public static ExpressionSyntax TimeSpanFromSeconds(int seconds)
        => SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, QualifiedType("System.TimeSpan"), SyntaxFactory.IdentifierName("FromSeconds")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(seconds))))));

    /// <summary>The edited document with the imports its marked names need.</summary>
    public static Task<Document> AddImportsAsync(DocumentEditor editor, CancellationToken cancellationToken)
        => ImportAdder.AddImportsAsync(editor.GetChangedDocument(), ImportsAnnotation, cancellationToken: cancellationToken);
}
