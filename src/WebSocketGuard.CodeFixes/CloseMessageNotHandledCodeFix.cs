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
using Microsoft.CodeAnalysis.Simplification;
using WebSocketGuard.Analyzers;
using A = WebSocketGuard.Analyzers.CloseMessageNotHandledAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1007: after the receive, a branch that answers the peer's Close with <c>CloseOutputAsync(NormalClosure)</c>
/// and leaves the loop (only <c>break</c> when the method already closes after the loop).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CloseMessageNotHandledCodeFix)), Shared]
public sealed class CloseMessageNotHandledCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1007.HandleClose";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.CloseMessageNotHandled);

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
            if (!diagnostic.Properties.TryGetValue(A.BreakLeavesLoopProperty, out var breaks) || breaks != "true")
            {
                continue;
            }

            var closesAfterLoop = diagnostic.Properties.TryGetValue(A.ClosesAfterLoopProperty, out var c) && c == "true";
            var invocation = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (invocation?.Expression is not MemberAccessExpressionSyntax { Expression: var socket }
                || !IsStable(socket)
                || FindPlace(invocation) is not { } place)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Handle the Close message",
                    ct => AddCloseBranchAsync(context.Document, invocation, socket, place.Statement, place.Result, closesAfterLoop, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    // The statement that stores the result in a local ('var result = await ...' or 'result = await ...'), directly in a block
    // whose nearest enclosing loop or switch is a loop, so 'break' leaves it.
    private static (StatementSyntax Statement, string Result)? FindPlace(InvocationExpressionSyntax invocation)
    {
        var statement = invocation.FirstAncestorOrSelf<StatementSyntax>();
        string? result = statement switch
        {
            LocalDeclarationStatementSyntax { Declaration.Variables: { Count: 1 } variables } => variables[0].Identifier.ValueText,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax name } assignment }
                when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) => name.Identifier.ValueText,
            _ => null,
        };
        if (statement is null || result is null || statement.Parent is not BlockSyntax)
        {
            return null;
        }

        var breakable = statement.Ancestors().FirstOrDefault(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or SwitchStatementSyntax
            or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax);
        return breakable is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            ? (statement, result)
            : null;
    }

    private static bool IsStable(ExpressionSyntax expression)
        => expression switch
        {
            IdentifierNameSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsStable(member.Expression),
            _ => false,
        };

    private static async Task<Document> AddCloseBranchAsync(
        Document document,
        InvocationExpressionSyntax invocation,
        ExpressionSyntax socket,
        StatementSyntax statement,
        string result,
        bool closesAfterLoop,
        CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var compilation = editor.SemanticModel.Compilation;
        var messageType = compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketMessageType");
        var closeStatus = compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketCloseStatus");
        if (messageType is null || closeStatus is null)
        {
            return document;
        }

        var generator = editor.Generator;
        var isClose = SyntaxFactory.BinaryExpression(
            SyntaxKind.EqualsExpression,
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(result), SyntaxFactory.IdentifierName("MessageType")),
            FixSyntax.StaticMember(generator, messageType, "Close"));

        var body = SyntaxFactory.List<StatementSyntax>();
        if (!closesAfterLoop)
        {
            var token = ReceiveCancellationToken(editor.SemanticModel, invocation, generator, cancellationToken);
            var close = SyntaxFactory.AwaitExpression(
                SyntaxFactory.InvocationExpression(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, socket.WithoutTrivia(), SyntaxFactory.IdentifierName("CloseOutputAsync")),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
                    {
                        SyntaxFactory.Argument(FixSyntax.StaticMember(generator, closeStatus, "NormalClosure")),
                        SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression)),
                        SyntaxFactory.Argument(token),
                    }))));
            body = body.Add(SyntaxFactory.ExpressionStatement(close));
        }

        body = body.Add(SyntaxFactory.BreakStatement());
        var branch = SyntaxFactory.IfStatement(isClose, SyntaxFactory.Block(body));
        editor.InsertAfter(statement, FixSyntax.Annotate(branch).WithAdditionalAnnotations(Simplifier.AddImportsAnnotation));
        return editor.GetChangedDocument();
    }

    /// <summary>The token the receive was given when it is a plain name, else <c>CancellationToken.None</c>.</summary>
    internal static ExpressionSyntax ReceiveCancellationToken(SemanticModel model, InvocationExpressionSyntax invocation, SyntaxGenerator generator, CancellationToken cancellationToken)
    {
        var tokenType = model.Compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (tokenType is not null
                && SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(argument.Expression, cancellationToken).ConvertedType, tokenType)
                && IsStable(argument.Expression))
            {
                return argument.Expression.WithoutTrivia();
            }
        }

        return tokenType is null
            ? SyntaxFactory.ParseExpression("System.Threading.CancellationToken.None")
            : FixSyntax.StaticMember(generator, tokenType, "None");
    }
}
