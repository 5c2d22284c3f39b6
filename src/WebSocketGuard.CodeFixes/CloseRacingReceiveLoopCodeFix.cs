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
using A = WebSocketGuard.Analyzers.CloseRacingReceiveLoopAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1014: <c>CloseAsync</c> next to a receive loop becomes <c>CloseOutputAsync</c>; a dispose without a close
/// gets <c>if (socket.State == WebSocketState.Open) await socket.CloseOutputAsync(NormalClosure, ...)</c> before it,
/// or <c>await GracefulClose.CloseAsync(socket, NormalClosure, ...)</c> when the project references the WebSocketGuard runtime.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CloseRacingReceiveLoopCodeFix)), Shared]
public sealed class CloseRacingReceiveLoopCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1014.UseCloseOutputAsync";
    public const string CloseBeforeDisposeEquivalenceKey = "WSG1014.CloseBeforeDispose";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.CloseRacingReceiveLoop);

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
            if (!diagnostic.Properties.TryGetValue(A.KindProperty, out var kind))
            {
                continue;
            }

            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (kind == A.KindRace && node is SimpleNameSyntax { Identifier.ValueText: "CloseAsync" } name)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Use CloseOutputAsync", ct => RenameAsync(context.Document, name, ct), EquivalenceKey),
                    diagnostic);
            }
            else if (kind == A.KindDispose
                     && diagnostic.Properties.TryGetValue(A.CanAwaitProperty, out var canAwait) && canAwait == "true"
                     && node is SimpleNameSyntax { Parent: MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax { Parent: ExpressionStatementSyntax statement } } access }
                     && statement.Parent is BlockSyntax or SwitchSectionSyntax)
            {
                var token = diagnostic.Properties.TryGetValue(A.TokenProperty, out var t) ? t : null;
                context.RegisterCodeFix(
                    CodeAction.Create("Close the socket before disposing it", ct => InsertCloseAsync(context.Document, statement, access.Expression, token, ct), CloseBeforeDisposeEquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> RenameAsync(Document document, SimpleNameSyntax name, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.ReplaceNode(name, SyntaxFactory.IdentifierName("CloseOutputAsync").WithTriviaFrom(name));
        return editor.GetChangedDocument();
    }

    private static async Task<Document> InsertCloseAsync(Document document, StatementSyntax dispose, ExpressionSyntax socket, string? token, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var receiver = socket.WithoutTrivia();
        var normalClosure = Member(IoFixSyntax.QualifiedType("System.Net.WebSockets.WebSocketCloseStatus"), "NormalClosure");
        if (RuntimeSyntax.HasGracefulClose(editor.SemanticModel.Compilation))
        {
            // The runtime checks the state itself and aborts a peer that does not answer within its timeout.
            var runtimeToken = string.IsNullOrEmpty(token) ? null : SyntaxFactory.ParseExpression(token!);
            var graceful = SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(RuntimeSyntax.GracefulCloseCall(receiver, normalClosure, null, runtimeToken)));
            editor.InsertBefore(dispose, FixSyntax.Annotate(graceful).WithLeadingTrivia(dispose.GetLeadingTrivia()));
            return await IoFixSyntax.AddImportsAsync(editor, cancellationToken).ConfigureAwait(false);
        }

        var isOpen = SyntaxFactory.BinaryExpression(
            SyntaxKind.EqualsExpression,
            Member(receiver, "State"),
            Member(IoFixSyntax.QualifiedType("System.Net.WebSockets.WebSocketState"), "Open"));
        var tokenExpression = string.IsNullOrEmpty(token)
            ? Member(IoFixSyntax.QualifiedType("System.Threading.CancellationToken"), "None")
            : SyntaxFactory.ParseExpression(token!);
        var close = SyntaxFactory.ExpressionStatement(
            SyntaxFactory.AwaitExpression(
                SyntaxFactory.InvocationExpression(
                    Member(receiver, "CloseOutputAsync"),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
                    {
                        SyntaxFactory.Argument(normalClosure),
                        SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression)),
                        SyntaxFactory.Argument(tokenExpression),
                    })))));
        var guard = SyntaxFactory.IfStatement(isOpen, SyntaxFactory.Block(close));
        editor.InsertBefore(dispose, FixSyntax.Annotate(guard).WithLeadingTrivia(dispose.GetLeadingTrivia()));
        return await IoFixSyntax.AddImportsAsync(editor, cancellationToken).ConfigureAwait(false);
    }

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));
}
