using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using WebSocketGuard.Analyzers;
using A = WebSocketGuard.Analyzers.OriginNotValidatedAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG2002: gives <c>UseWebSockets</c> an <c>AllowedOrigins</c> list read from the <c>WebSockets:AllowedOrigins</c>
/// configuration section, keeping any options already written in place.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OriginNotValidatedCodeFix)), Shared]
public sealed class OriginNotValidatedCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG2002.AllowedOriginsFromConfiguration";
    private const string OptionsName = "webSocketOptions";
    private const string Section = "WebSockets:AllowedOrigins";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.OriginNotValidated);

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
            if (diagnostic.Properties.TryGetValue(A.CanAddAllowListProperty, out var canFix) && canFix == "true"
                && root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax
                {
                    Expression: MemberAccessExpressionSyntax { Expression: var app },
                    Parent: ExpressionStatementSyntax statement,
                } invocation
                && invocation.ArgumentList.Arguments.Count <= 1
                && (invocation.ArgumentList.Arguments.Count == 0 || invocation.ArgumentList.Arguments[0].Expression is ObjectCreationExpressionSyntax))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Allow only the origins configured in WebSockets:AllowedOrigins", ct => AddAllowListAsync(context.Document, statement, invocation, app, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> AddAllowListAsync(Document document, ExpressionStatementSyntax statement, InvocationExpressionSyntax invocation, ExpressionSyntax app, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var existing = invocation.ArgumentList.Arguments.Count == 1 ? (ObjectCreationExpressionSyntax)invocation.ArgumentList.Arguments[0].Expression : null;
        var initializer = existing?.Initializer is { } init ? " " + init.WithoutTrivia().ToFullString() : string.Empty;
        var leading = statement.GetLeadingTrivia();
        var indent = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? leading[leading.Count - 1].ToString() : string.Empty;
        var newLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString();
        newLine = newLine.Length == 0 ? "\n" : newLine;
        var appText = app.WithoutTrivia().ToString();

        string[][] statements =
        {
            new[] { "var " + OptionsName + " = new global::Microsoft.AspNetCore.Builder.WebSocketOptions" + (initializer.Length == 0 ? "()" : initializer) + ";" },
            new[]
            {
                "foreach (var origin in " + appText + ".Configuration.GetSection(\"" + Section + "\").Get<string[]>() ?? global::System.Array.Empty<string>())",
                "{",
                "    " + OptionsName + ".AllowedOrigins.Add(origin);",
                "}",
            },
            new[] { appText + ".UseWebSockets(" + OptionsName + ");" },
        };

        var parsed = statements.Select((lines, i) =>
        {
            var text = string.Join(newLine, lines.Select((l, j) => j == 0 ? l : indent + l));
            var node = SyntaxFactory.ParseStatement(text)
                .WithLeadingTrivia(i switch
                {
                    0 => leading,
                    1 => SyntaxFactory.TriviaList(SyntaxFactory.Whitespace(indent)),
                    _ => SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine(newLine), SyntaxFactory.Whitespace(indent)),
                })
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine))
                .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
            return node;
        }).ToArray();
        parsed[2] = parsed[2].WithTrailingTrivia(statement.GetTrailingTrivia());

        SyntaxNode newRoot;
        if (statement.Parent is GlobalStatementSyntax global)
        {
            newRoot = root.ReplaceNode(global, parsed.Select(s => (SyntaxNode)SyntaxFactory.GlobalStatement(s)));
        }
        else
        {
            newRoot = root.ReplaceNode(statement, parsed);
        }

        newRoot = ServerFixImports.AddUsingIfMissing(newRoot, model.Compilation, "Microsoft.Extensions.Configuration");
        var newDocument = document.WithSyntaxRoot(newRoot);
        return await ImportAdder.AddImportsAsync(newDocument, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
