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
using A = WebSocketGuard.Analyzers.SocketOutlivesRequestAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG2003: awaits the socket's work in the handler (<c>_ = Task.Run(...)</c> becomes <c>await Task.Run(...)</c>).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SocketOutlivesRequestCodeFix)), Shared]
public sealed class SocketOutlivesRequestCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG2003.AwaitSocketWork";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.SocketOutlivesRequest);

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
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation)
            {
                continue;
            }

            var statement = invocation.Parent switch
            {
                ExpressionStatementSyntax direct => direct,
                AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" }, Parent: ExpressionStatementSyntax discarded } => discarded,
                _ => null,
            };
            if (statement is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create("Await the socket's work in the handler", ct => AwaitAsync(context.Document, statement, invocation, ct), EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> AwaitAsync(Document document, ExpressionStatementSyntax statement, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var awaited = SyntaxFactory.AwaitExpression(invocation.WithoutTrivia());
        editor.ReplaceNode(statement, statement.WithExpression(awaited.WithTriviaFrom(statement.Expression)));
        return editor.GetChangedDocument();
    }
}
