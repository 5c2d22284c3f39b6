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
using A = WebSocketGuard.Analyzers.UnauthenticatedAcceptAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG2001: requires an authenticated user where the code decides it — <c>.RequireAuthorization()</c> on the endpoint,
/// <c>[Authorize]</c> on the action, or a 401 guard before the accept in middleware. With WebSocketGuard.AspNetCore
/// referenced, also the runtime's checked accept: <c>MapWebSocket</c> for a minimal-API endpoint, <c>WebSocketAccept</c> inline.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnauthenticatedAcceptCodeFix)), Shared]
public sealed class UnauthenticatedAcceptCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG2001.RequireAuthenticatedUser";
    public const string MapWebSocketEquivalenceKey = "WSG2001.MapWebSocket";
    public const string WebSocketAcceptEquivalenceKey = "WSG2001.WebSocketAccept";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.UnauthenticatedAccept);

    public override FixAllProvider GetFixAllProvider() => FixAll.Instance;

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
            if (!diagnostic.Properties.TryGetValue(A.FixProperty, out var fix) || fix is null)
            {
                continue;
            }

            var accept = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) as InvocationExpressionSyntax;
            var target = diagnostic.AdditionalLocations.Count == 1
                ? root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true)
                : null;
            switch (fix)
            {
                case A.FixRequireAuthorization when target is InvocationExpressionSyntax chain:
                    context.RegisterCodeFix(
                        CodeAction.Create("Append .RequireAuthorization()", ct => AppendRequireAuthorizationAsync(context.Document, chain, ct), EquivalenceKey),
                        diagnostic);
                    break;
                case A.FixAuthorizeAttribute when target?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } action:
                    context.RegisterCodeFix(
                        CodeAction.Create("Add [Authorize]", ct => AddAuthorizeAsync(context.Document, action, ct), EquivalenceKey),
                        diagnostic);
                    break;
                case A.FixGuard when accept?.Expression is MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: var httpContext } }
                                     && ServerRuleHelpers.StatementInList(accept) is { } statement:
                    context.RegisterCodeFix(
                        CodeAction.Create("Answer 401 to an unauthenticated user", ct => InsertGuardAsync(context.Document, statement, httpContext, ct), EquivalenceKey),
                        diagnostic);
                    break;
            }

            if (RuntimePlan(root, model, diagnostic, context.CancellationToken) is { } plan)
            {
                var document = context.Document;
                context.RegisterCodeFix(
                    plan.MapsEndpoint
                        ? CodeAction.Create("Map with MapWebSocket (checks Origin, user and limits)", ct => ApplyRuntimePlanAsync(document, plan, ct), MapWebSocketEquivalenceKey)
                        : CodeAction.Create("Accept with WebSocketAccept (checks Origin, user and limits)", ct => ApplyRuntimePlanAsync(document, plan, ct), WebSocketAcceptEquivalenceKey),
                    diagnostic);
            }
        }
    }

    // MapWebSocket where the endpoint maps exactly, else WebSocketAccept where the accept does; null without the runtime.
    private static UnauthenticatedAcceptRuntimePlan? RuntimePlan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax accept)
        {
            return null;
        }

        var endpoint = diagnostic.Properties.TryGetValue(A.FixProperty, out var fix) && fix == A.FixRequireAuthorization
            ? UnauthenticatedAcceptRuntimePlan.TryCreateMapWebSocket(accept, model, cancellationToken)
            : null;
        return endpoint ?? UnauthenticatedAcceptRuntimePlan.TryCreateWebSocketAccept(accept, model, cancellationToken);
    }

    private static Task<Document> ApplyRuntimePlanAsync(Document document, UnauthenticatedAcceptRuntimePlan plan, CancellationToken cancellationToken)
        => UnauthenticatedAcceptRuntimePlan.ApplyAsync(document, new[] { plan }, cancellationToken);

    private static async Task<Document> AppendRequireAuthorizationAsync(Document document, InvocationExpressionSyntax chain, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var call = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, chain.WithoutTrailingTrivia(), SyntaxFactory.IdentifierName("RequireAuthorization")))
            .WithTrailingTrivia(chain.GetTrailingTrivia());
        editor.ReplaceNode(chain, call);
        return editor.GetChangedDocument();
    }

    private static async Task<Document> AddAuthorizeAsync(Document document, MethodDeclarationSyntax action, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var authorize = editor.SemanticModel.Compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Authorization.AuthorizeAttribute");
        if (authorize is null)
        {
            return document;
        }

        editor.AddAttribute(action, WithImports(editor.Generator.Attribute(editor.Generator.TypeExpression(authorize, addImport: true))));
        return editor.GetChangedDocument();
    }

    // if (context.User.Identity?.IsAuthenticated != true) { context.Response.StatusCode = StatusCodes.Status401Unauthorized; return; }
    private static async Task<Document> InsertGuardAsync(Document document, StatementSyntax statement, ExpressionSyntax httpContext, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var statusCodes = editor.SemanticModel.Compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.StatusCodes");
        if (statusCodes is null)
        {
            return document;
        }

        var context = httpContext.WithoutTrivia();
        var isAuthenticated = SyntaxFactory.ConditionalAccessExpression(
            Member(Member(context, "User"), "Identity"),
            SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName("IsAuthenticated")));
        var condition = SyntaxFactory.BinaryExpression(SyntaxKind.NotEqualsExpression, isAuthenticated, SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression));
        var setStatus = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            Member(Member(context, "Response"), "StatusCode"),
            FixSyntax.StaticMember(editor.Generator, statusCodes, "Status401Unauthorized")));
        var newLine = statement.SyntaxTree.GetRoot(cancellationToken).DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var guard = SyntaxFactory.IfStatement(condition, SyntaxFactory.Block(setStatus, SyntaxFactory.ReturnStatement()))
            .WithTrailingTrivia(newLine.IsKind(SyntaxKind.EndOfLineTrivia) ? newLine : SyntaxFactory.LineFeed, newLine.IsKind(SyntaxKind.EndOfLineTrivia) ? newLine : SyntaxFactory.LineFeed);

        // The guard takes over the blank lines and comments above the accept; the accept keeps its indentation.
        var leading = statement.GetLeadingTrivia();
        var lineStart = leading.Count;
        while (lineStart > 0 && !leading[lineStart - 1].IsKind(SyntaxKind.EndOfLineTrivia))
        {
            lineStart--;
        }

        var annotated = WithImports(guard.WithLeadingTrivia(leading));
        var anchor = statement.Parent is GlobalStatementSyntax global ? (SyntaxNode)global : statement;
        editor.InsertBefore(anchor, anchor is GlobalStatementSyntax ? SyntaxFactory.GlobalStatement(annotated) : annotated);
        editor.ReplaceNode(anchor, anchor.WithLeadingTrivia(leading.Skip(lineStart)));

        return editor.GetChangedDocument();
    }

    // FixSyntax.Annotate plus the annotation that makes code-action cleanup add the using directives.
    private static T WithImports<T>(T node)
        where T : SyntaxNode
        => FixSyntax.Annotate(node).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.AddImportsAnnotation);

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));

    /// <summary>The BCL fix batches; the runtime fixes rewrite a document at once so <c>AddWebSocketGuard</c> is added once.</summary>
    private sealed class FixAll : FixAllProvider
    {
        public static readonly FixAll Instance = new();

        private static readonly FixAllProvider Runtime = Create(FixDocumentAsync);

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => WellKnownFixAllProviders.BatchFixer.GetSupportedFixAllScopes();

        public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            => fixAllContext.CodeActionEquivalenceKey is MapWebSocketEquivalenceKey or WebSocketAcceptEquivalenceKey
                ? Runtime.GetFixAsync(fixAllContext)
                : WellKnownFixAllProviders.BatchFixer.GetFixAsync(fixAllContext);

        private static async Task<Document?> FixDocumentAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            var model = await document.GetSemanticModelAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return document;
            }

            var mapsEndpoint = fixAllContext.CodeActionEquivalenceKey == MapWebSocketEquivalenceKey;
            var plans = diagnostics
                .OrderBy(d => d.Location.SourceSpan.Start)
                .Select(d => RuntimePlan(root, model, d, fixAllContext.CancellationToken))
                .OfType<UnauthenticatedAcceptRuntimePlan>()
                .Where(p => p.MapsEndpoint == mapsEndpoint)
                .ToList();
            return await UnauthenticatedAcceptRuntimePlan.ApplyAsync(document, plans, fixAllContext.CancellationToken).ConfigureAwait(false);
        }
    }
}
