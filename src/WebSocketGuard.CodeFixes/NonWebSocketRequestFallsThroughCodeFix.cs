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
using A = WebSocketGuard.Analyzers.NonWebSocketRequestFallsThroughAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG2004: ends the non-WebSocket branch with <c>return</c> (or <c>continue</c> in a listener loop), or moves <c>UseWebSockets</c> first.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NonWebSocketRequestFallsThroughCodeFix)), Shared]
public sealed class NonWebSocketRequestFallsThroughCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG2004.StopNonWebSocketRequest";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.NonWebSocketRequestFallsThrough);

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
            diagnostic.Properties.TryGetValue(A.KindProperty, out var kind);
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (kind == A.KindFallThrough
                && diagnostic.Properties.TryGetValue(A.JumpProperty, out var jump)
                && jump is "return" or "continue"
                && node.FirstAncestorOrSelf<IfStatementSyntax>() is { Else: null } ifStatement
                && ifStatement.Condition.Span.Contains(node.Span))
            {
                var title = jump == "return" ? "Return after rejecting a non-WebSocket request" : "Continue after rejecting a non-WebSocket request";
                context.RegisterCodeFix(
                    CodeAction.Create(title, ct => AddJumpAsync(context.Document, ifStatement, jump!, ct), EquivalenceKey),
                    diagnostic);
            }
            else if (kind == A.KindOrder
                && diagnostic.AdditionalLocations.Count == 1
                && node.FirstAncestorOrSelf<ExpressionStatementSyntax>() is { } useStatement
                && root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is StatementSyntax registration
                && Container(useStatement) == Container(registration))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Register UseWebSockets first", ct => MoveAsync(context.Document, useStatement, registration, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static SyntaxNode? Container(StatementSyntax statement)
        => statement.Parent is GlobalStatementSyntax global ? global.Parent : statement.Parent;

    private static async Task<Document> AddJumpAsync(Document document, IfStatementSyntax ifStatement, string jump, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        StatementSyntax jumpStatement = jump == "return"
            ? SyntaxFactory.ReturnStatement()
            : SyntaxFactory.ContinueStatement();
        var block = ifStatement.Statement is BlockSyntax existing
            ? existing.AddStatements(jumpStatement)
            : SyntaxFactory.Block(ifStatement.Statement.WithoutTrivia(), jumpStatement);
        editor.ReplaceNode(ifStatement.Statement, FixSyntax.Annotate(block));
        return editor.GetChangedDocument();
    }

    private static async Task<Document> MoveAsync(Document document, StatementSyntax useStatement, StatementSyntax registration, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        // The statement moves with its own comments and indentation.
        var moved = useStatement.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        if (useStatement.Parent is GlobalStatementSyntax useGlobal && registration.Parent is GlobalStatementSyntax registrationGlobal)
        {
            editor.RemoveNode(useGlobal, SyntaxRemoveOptions.KeepNoTrivia);
            editor.InsertBefore(registrationGlobal, SyntaxFactory.GlobalStatement(moved));
        }
        else
        {
            editor.RemoveNode(useStatement, SyntaxRemoveOptions.KeepNoTrivia);
            editor.InsertBefore(registration, moved);
        }

        return editor.GetChangedDocument();
    }
}
