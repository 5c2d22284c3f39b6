using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// Builds the syntax fixes insert. Type names are written short, and the <c>using</c> directives they need
/// are collected and added by <see cref="FinishAsync"/> (Roslyn 4.8's cleanup does not add imports itself).
/// </summary>
internal sealed class FixSyntax
{
    private readonly SemanticModel _model;
    private readonly int _position;
    private readonly SortedSet<string> _namespaces = new(StringComparer.Ordinal);

    public FixSyntax(SemanticModel model, int position)
    {
        _model = model;
        _position = position;
    }

    public Compilation Compilation => _model.Compilation;

    /// <summary>The short name of a type, remembering its namespace when it is not in scope at the edit.</summary>
    public TypeSyntax Type(INamedTypeSymbol type)
    {
        var inScope = _model.LookupNamespacesAndTypes(_position, container: null, name: type.Name)
            .Any(s => SymbolEqualityComparer.Default.Equals(s, type));
        if (!inScope && !type.ContainingNamespace.IsGlobalNamespace)
        {
            _namespaces.Add(type.ContainingNamespace.ToDisplayString());
        }

        return SyntaxFactory.IdentifierName(type.Name);
    }

    /// <summary>The short name of a type by metadata name; a plain identifier when the type is unknown.</summary>
    public TypeSyntax Type(string metadataName)
    {
        var type = Compilation.GetTypeByMetadataName(metadataName);
        return type is null ? SyntaxFactory.IdentifierName(metadataName.Substring(metadataName.LastIndexOf('.') + 1)) : Type(type);
    }

    /// <summary><c>TimeSpan.FromSeconds(n)</c>.</summary>
    public ExpressionSyntax TimeSpanFromSeconds(int seconds)
        => SyntaxFactory.InvocationExpression(
            StaticMember("System.TimeSpan", "FromSeconds"),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(seconds))))));

    /// <summary><c>Type.Member</c> for a static member.</summary>
    public MemberAccessExpressionSyntax StaticMember(string typeMetadataName, string member)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Type(typeMetadataName), SyntaxFactory.IdentifierName(member));

    /// <summary>Adds the collected <c>using</c> directives and formats the annotated nodes.</summary>
    public async Task<Document> FinishAsync(Document document, CancellationToken cancellationToken)
    {
        if (_namespaces.Count > 0 && await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is CompilationUnitSyntax root)
        {
            document = document.WithSyntaxRoot(AddUsings(root, _namespaces));
        }

        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <c>using</c> directives in sorted position (System first), skipping ones already there.</summary>
    public static CompilationUnitSyntax AddUsings(CompilationUnitSyntax root, IEnumerable<string> namespaces)
    {
        var usings = root.Usings;
        foreach (var name in namespaces)
        {
            if (usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name?.ToString() == name))
            {
                continue;
            }

            var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(name)).NormalizeWhitespace().WithTrailingTrivia(NewLine(root));
            var index = 0;
            while (index < usings.Count && usings[index].Alias is null && UsingOrder(usings[index].Name?.ToString() ?? string.Empty, name) < 0)
            {
                index++;
            }

            usings = usings.Insert(index, directive);
        }

        if (root.Usings.Count == 0 && usings.Count > 0 && root.Members.Count > 0)
        {
            // A file that had no usings gets a blank line between them and the code.
            var last = usings[usings.Count - 1];
            usings = usings.Replace(last, last.WithTrailingTrivia(last.GetTrailingTrivia().Add(NewLine(root))));
        }

        return root.WithUsings(usings);
    }

    private static int UsingOrder(string left, string right)
    {
        var leftSystem = left == "System" || left.StartsWith("System.", StringComparison.Ordinal);
        var rightSystem = right == "System" || right.StartsWith("System.", StringComparison.Ordinal);
        return leftSystem != rightSystem ? (leftSystem ? -1 : 1) : string.CompareOrdinal(left, right);
    }

    private static SyntaxTrivia NewLine(SyntaxNode root)
        => root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { } eol && eol.IsKind(SyntaxKind.EndOfLineTrivia)
            ? eol
            : SyntaxFactory.LineFeed;

    // Static forms: the names come out fully qualified and are simplified as far as the file's usings allow.
    // Prefer an instance, which writes short names and adds the usings.

    /// <summary><c>TimeSpan.FromSeconds(n)</c> (qualified unless <c>System</c> is imported).</summary>
    public static ExpressionSyntax TimeSpanFromSeconds(SyntaxGenerator generator, Compilation compilation, int seconds)
    {
        var timeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        var typeExpression = timeSpan is null ? SyntaxFactory.IdentifierName("TimeSpan") : generator.TypeExpression(timeSpan, addImport: true);
        return (ExpressionSyntax)generator.InvocationExpression(generator.MemberAccessExpression(typeExpression, "FromSeconds"), generator.LiteralExpression(seconds));
    }

    /// <summary>A static member of a type (qualified unless its namespace is imported).</summary>
    public static ExpressionSyntax StaticMember(SyntaxGenerator generator, INamedTypeSymbol type, string member)
        => (ExpressionSyntax)generator.MemberAccessExpression(generator.TypeExpression(type, addImport: true), member);

    /// <summary>A type name (qualified unless its namespace is imported).</summary>
    public static TypeSyntax Type(SyntaxGenerator generator, INamedTypeSymbol type)
        => (TypeSyntax)generator.TypeExpression(type, addImport: true);

    // A one-line statement takes the anchor's own indentation, so files indented with 2 spaces or tabs stay that way;
    // the formatter would use its defaults when there is no .editorconfig.
    private static StatementSyntax MatchIndentation(StatementSyntax statement, StatementSyntax anchor)
    {
        var normalized = statement.WithoutAnnotations(Formatter.Annotation).NormalizeWhitespace(elasticTrivia: false);
        if (normalized.ToFullString().IndexOf('\n') >= 0)
        {
            return statement;
        }

        var indentation = anchor.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault();
        return normalized.WithLeadingTrivia(indentation).WithTrailingTrivia(NewLine(anchor));
    }

    /// <summary><c>call.ConfigureAwait(x)</c> when the call is configured that way, else the call: what an <c>await</c> wraps.</summary>
    public static ExpressionSyntax WithConfigureAwait(InvocationExpressionSyntax call)
        => call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } configure
           && configure.Expression == call
            ? configured
            : call;

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
                editor.InsertAfter(anchor, statements.Select(s => MatchIndentation(s, anchor)).ToArray());
                return true;
            case GlobalStatementSyntax global:
                // Top-level statements: plain line breaks, or the formatter separates them like members.
                var newLine = NewLine(anchor);
                var globals = statements
                    .Select(s => (SyntaxNode)SyntaxFactory.GlobalStatement(s.WithoutTrivia().WithTrailingTrivia(newLine)))
                    .ToArray();
                editor.InsertAfter(global, globals);
                return true;
            default:
                return false;
        }
    }
}
