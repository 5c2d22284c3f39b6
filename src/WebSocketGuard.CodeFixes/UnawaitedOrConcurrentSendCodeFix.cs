using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using WebSocketGuard.Analyzers;
using A = WebSocketGuard.Analyzers.UnawaitedOrConcurrentSendAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG1005: awaits a discarded or never-awaited send when the enclosing function is async.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnawaitedOrConcurrentSendCodeFix)), Shared]
public sealed class UnawaitedOrConcurrentSendCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1005.AwaitSend";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.UnawaitedOrConcurrentSend);

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
            if (!diagnostic.Properties.TryGetValue(A.CanAwaitProperty, out var canAwait) || canAwait != "true"
                || !diagnostic.Properties.TryGetValue(A.KindProperty, out var kind))
            {
                continue;
            }

            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax send)
            {
                continue;
            }

            var target = FindReplacedNode(send, kind);
            if (target is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Await the send", ct => AwaitAsync(context.Document, send, target, ct), EquivalenceKey),
                diagnostic);
        }
    }

    // The node the 'await send' replaces: the send itself, '_ = send', or the whole 'var t = send;' statement.
    private static SyntaxNode? FindReplacedNode(InvocationExpressionSyntax send, string? kind)
    {
        var outer = (ExpressionSyntax)send;
        while (outer.Parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            outer = (ExpressionSyntax)outer.Parent;
        }

        switch (kind)
        {
            case A.KindDiscarded when outer.Parent is ExpressionStatementSyntax:
                return send;
            case A.KindDiscarded when outer.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax } discard:
                return discard;
            case A.KindDiscarded when outer.Parent is ArrowExpressionClauseSyntax or LambdaExpressionSyntax:
                return send;
            case A.KindStoredNeverAwaited
                when outer.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } }
                     && statement.UsingKeyword.IsKind(SyntaxKind.None):
                return statement;
            default:
                return null;
        }
    }

    private static async Task<Document> AwaitAsync(Document document, InvocationExpressionSyntax send, SyntaxNode target, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var awaited = SyntaxFactory.AwaitExpression(send.WithoutTrivia());
        SyntaxNode replacement = target is StatementSyntax
            ? SyntaxFactory.ExpressionStatement(awaited)
            : awaited;
        editor.ReplaceNode(target, FixSyntax.Annotate(replacement.WithTriviaFrom(target)));
        return editor.GetChangedDocument();
    }
}
