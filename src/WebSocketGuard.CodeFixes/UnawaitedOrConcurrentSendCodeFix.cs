using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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

/// <summary>
/// WSG1005: awaits a discarded or never-awaited send when the enclosing function is async. Where the project references
/// the WebSocketGuard runtime and the class owns the socket, also offers sending every message through a
/// <c>WebSocketSender</c> field (see <see cref="UnawaitedSendSenderPlan"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnawaitedOrConcurrentSendCodeFix)), Shared]
public sealed class UnawaitedOrConcurrentSendCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1005.AwaitSend";
    public const string SenderEquivalenceKey = "WSG1005.WebSocketSender";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.UnawaitedOrConcurrentSend);

    // Two sends in one class share one sender field, so Fix All plans per document instead of merging per-diagnostic edits.
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(FixAllInDocumentAsync);

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (AwaitTarget(root, diagnostic) is { } awaitFix)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Await the send", ct => AwaitAsync(context.Document, new[] { awaitFix }, ct), EquivalenceKey),
                    diagnostic);
            }

            if (SenderPlan(root, model, diagnostic, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Send through a WebSocketSender, the socket's only writer", ct => UnawaitedSendSenderPlan.ApplyAsync(context.Document, new[] { plan }, ct), SenderEquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document?> FixAllInDocumentAsync(FixAllContext context, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        if (context.CodeActionEquivalenceKey == SenderEquivalenceKey)
        {
            var plans = new List<UnawaitedSendSenderPlan>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (SenderPlan(root, model, diagnostic, context.CancellationToken) is { } plan
                    && !plans.Any(p => SymbolEqualityComparer.Default.Equals(p.Socket, plan.Socket)))
                {
                    plans.Add(plan);
                }
            }

            return await UnawaitedSendSenderPlan.ApplyAsync(document, plans, context.CancellationToken).ConfigureAwait(false);
        }

        var targets = diagnostics.Select(d => AwaitTarget(root, d)).OfType<(InvocationExpressionSyntax, SyntaxNode)>().ToList();
        return await AwaitAsync(document, targets, context.CancellationToken).ConfigureAwait(false);
    }

    private static (InvocationExpressionSyntax Send, SyntaxNode Target)? AwaitTarget(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(A.CanAwaitProperty, out var canAwait) || canAwait != "true"
            || !diagnostic.Properties.TryGetValue(A.KindProperty, out var kind)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax send
            || FindReplacedNode(send, kind) is not { } target)
        {
            return null;
        }

        return (send, target);
    }

    private static UnawaitedSendSenderPlan? SenderPlan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        => root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax send
            ? UnawaitedSendSenderPlan.TryCreate(send, model, cancellationToken)
            : null;

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

    private static async Task<Document> AwaitAsync(Document document, IEnumerable<(InvocationExpressionSyntax Send, SyntaxNode Target)> fixes, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        foreach (var (send, target) in fixes)
        {
            var awaited = SyntaxFactory.AwaitExpression(send.WithoutTrivia());
            SyntaxNode replacement = target is StatementSyntax
                ? SyntaxFactory.ExpressionStatement(awaited)
                : awaited;
            editor.ReplaceNode(target, FixSyntax.Annotate(replacement.WithTriviaFrom(target)));
        }

        return editor.GetChangedDocument();
    }
}
