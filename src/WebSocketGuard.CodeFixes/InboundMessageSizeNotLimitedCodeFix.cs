using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
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
using A = WebSocketGuard.Analyzers.InboundMessageSizeNotLimitedAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1009: before a fragment is appended, compare the size with the limit (64 KiB, or
/// <c>websocketguard.max_message_bytes</c> in .editorconfig) and close with <c>MessageTooBig</c> when it would be exceeded.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InboundMessageSizeNotLimitedCodeFix)), Shared]
public sealed class InboundMessageSizeNotLimitedCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1009.LimitMessageSize";

    /// <summary>The .editorconfig key that sets the limit the fix inserts.</summary>
    public const string MaxMessageBytesOption = "websocketguard.max_message_bytes";

    public const int DefaultMaxMessageBytes = 64 * 1024;

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.InboundMessageSizeNotLimited);

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
            if (!diagnostic.Properties.TryGetValue(A.SizePropertyProperty, out var sizeProperty) || sizeProperty is null
                || !diagnostic.Properties.TryGetValue(A.CanReturnProperty, out var canReturn) || canReturn != "true"
                || diagnostic.AdditionalLocations.Count == 0)
            {
                continue;
            }

            var append = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            var receive = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (append?.Expression is not MemberAccessExpressionSyntax { Expression: var accumulator }
                || !IsStable(accumulator)
                || receive?.Expression is not MemberAccessExpressionSyntax { Expression: var socket }
                || !IsStable(socket)
                || ResultName(receive) is not { } result
                || append.FirstAncestorOrSelf<StatementSyntax>() is not ExpressionStatementSyntax { Parent: BlockSyntax } statement)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Limit the message size",
                    ct => AddLimitAsync(context.Document, statement, accumulator, sizeProperty, result, receive, socket, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static string? ResultName(InvocationExpressionSyntax receive)
        => receive.FirstAncestorOrSelf<StatementSyntax>() switch
        {
            LocalDeclarationStatementSyntax { Declaration.Variables: { Count: 1 } variables } => variables[0].Identifier.ValueText,
            ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax name } assignment }
                when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) => name.Identifier.ValueText,
            _ => null,
        };

    private static bool IsStable(ExpressionSyntax expression)
        => expression switch
        {
            IdentifierNameSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsStable(member.Expression),
            _ => false,
        };

    private static async Task<Document> AddLimitAsync(
        Document document,
        StatementSyntax statement,
        ExpressionSyntax accumulator,
        string sizeProperty,
        string result,
        InvocationExpressionSyntax receive,
        ExpressionSyntax socket,
        CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var closeStatus = editor.SemanticModel.Compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketCloseStatus");
        if (closeStatus is null)
        {
            return document;
        }

        var generator = editor.Generator;
        var size = SyntaxFactory.BinaryExpression(
            SyntaxKind.AddExpression,
            Member(accumulator.WithoutTrivia(), sizeProperty),
            Member(SyntaxFactory.IdentifierName(result), "Count"));
        var tooBig = SyntaxFactory.BinaryExpression(SyntaxKind.GreaterThanExpression, size, Limit(document, statement.SyntaxTree));

        var close = SyntaxFactory.AwaitExpression(
            SyntaxFactory.InvocationExpression(
                Member(socket.WithoutTrivia(), "CloseOutputAsync"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
                {
                    SyntaxFactory.Argument(FixSyntax.StaticMember(generator, closeStatus, "MessageTooBig")),
                    SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal("Message too big"))),
                    SyntaxFactory.Argument(CloseMessageNotHandledCodeFix.ReceiveCancellationToken(editor.SemanticModel, receive, generator, cancellationToken)),
                }))));
        var branch = SyntaxFactory.IfStatement(
            tooBig,
            SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(close), SyntaxFactory.ReturnStatement()));
        editor.InsertBefore(statement, FixSyntax.Annotate(branch).WithAdditionalAnnotations(Simplifier.AddImportsAnnotation));
        return editor.GetChangedDocument();
    }

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));

    // 64 * 1024 reads better than 65536; a configured value that is not a multiple of 1 KiB is written as is.
    private static ExpressionSyntax Limit(Document document, SyntaxTree tree)
    {
        var bytes = DefaultMaxMessageBytes;
        if (document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(MaxMessageBytesOption, out var configured)
            && int.TryParse(configured, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            && parsed > 0)
        {
            bytes = parsed;
        }

        return bytes % 1024 == 0
            ? SyntaxFactory.BinaryExpression(
                SyntaxKind.MultiplyExpression,
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(bytes / 1024)),
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1024)))
            : SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(bytes));
    }
}
