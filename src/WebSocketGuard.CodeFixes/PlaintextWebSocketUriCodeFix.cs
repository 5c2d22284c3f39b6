using System;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using WebSocketGuard.Analyzers;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG1011: <c>ws://</c> becomes <c>wss://</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PlaintextWebSocketUriCodeFix)), Shared]
public sealed class PlaintextWebSocketUriCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1011.UseWss";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.PlaintextRemoteWebSocketUri);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var token = FindSchemeToken(node);
            if (token is null)
            {
                continue;
            }

            var oldToken = token.Value;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use 'wss://'",
                    ct => ReplaceAsync(context.Document, oldToken, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static SyntaxToken? FindSchemeToken(SyntaxNode node)
    {
        switch (node)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression) && IndexOfScheme(literal.Token.Text) >= 0:
                return literal.Token;
            case InterpolatedStringExpressionSyntax interpolated
                when interpolated.Contents.Count > 0 && interpolated.Contents[0] is InterpolatedStringTextSyntax text && IndexOfScheme(text.TextToken.Text) == 0:
                return text.TextToken;
            case ArgumentSyntax argument:
                return FindSchemeToken(argument.Expression);
            default:
                return null;
        }
    }

    private static int IndexOfScheme(string text) => text.IndexOf(WebSocketUriText.PlainScheme, StringComparison.OrdinalIgnoreCase);

    private static async Task<Document> ReplaceAsync(Document document, SyntaxToken oldToken, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var text = oldToken.Text;
        var index = IndexOfScheme(text);
        var newText = text.Substring(0, index) + "wss://" + text.Substring(index + WebSocketUriText.PlainScheme.Length);
        var valueText = oldToken.ValueText;
        var valueIndex = IndexOfScheme(valueText);
        var newValue = valueIndex < 0 ? valueText : valueText.Substring(0, valueIndex) + "wss://" + valueText.Substring(valueIndex + WebSocketUriText.PlainScheme.Length);

        var newToken = SyntaxFactory.Token(oldToken.LeadingTrivia, oldToken.Kind(), newText, newValue, oldToken.TrailingTrivia);
        return document.WithSyntaxRoot(root.ReplaceToken(oldToken, newToken));
    }
}
