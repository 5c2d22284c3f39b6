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
using A = WebSocketGuard.Analyzers.SocketIoWithoutCancellationAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1010: passes the token in scope; for a close, alternatively a token that cancels after 5 seconds,
/// so the close cannot hang on a dead peer even when the token in scope is never cancelled. When the project references
/// the WebSocketGuard runtime, that alternative turns <c>socket.CloseAsync(...)</c> into <c>GracefulClose.CloseAsync(socket, ...)</c>,
/// whose own 5 s bound also aborts the socket.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SocketIoWithoutCancellationCodeFix)), Shared]
public sealed class SocketIoWithoutCancellationCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1010.PassToken";
    public const string CloseTimeoutEquivalenceKey = "WSG1010.CloseTimeout";
    private const int CloseTimeoutSeconds = 5;
    private const string CloseTimeoutName = "closeTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.SocketIoWithoutCancellation);

    // Batch fixing cannot merge several inserted timeout sources into one block, so fix-all runs per document.
    public override FixAllProvider GetFixAllProvider() => new FixAll();

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
            var target = FindTarget(root, diagnostic);
            if (target is null)
            {
                continue;
            }

            var isClose = diagnostic.Properties.TryGetValue(A.IsCloseProperty, out var c) && c == "true";
            var runtimeClose = isClose && FindRuntimeClose(model, target, context.CancellationToken) is not null;
            if (isClose && (runtimeClose || FindTimeoutAnchor(target) is not null))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        runtimeClose ? "Close with GracefulClose (aborts after 5 seconds)" : $"Cancel the close after {CloseTimeoutSeconds} seconds",
                        ct => ApplyAsync(context.Document, new[] { diagnostic }, useTimeout: true, ct),
                        CloseTimeoutEquivalenceKey),
                    diagnostic);
            }

            var token = diagnostic.Properties.TryGetValue(A.TokenProperty, out var t) ? t : null;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Pass '{token}'",
                    ct => ApplyAsync(context.Document, new[] { diagnostic }, useTimeout: false, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The argument expression to replace, or the argument list to extend when the token is omitted.</summary>
    private static SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(A.TokenProperty, out var token) || string.IsNullOrEmpty(token))
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var omitted = diagnostic.Properties.TryGetValue(A.IsOmittedProperty, out var o) && o == "true";
        if (omitted)
        {
            return node as ArgumentListSyntax;
        }

        if (node is ArgumentSyntax argument)
        {
            node = argument.Expression;
        }

        return node is ExpressionSyntax && node.Parent is ArgumentSyntax ? node : null;
    }

    /// <summary>
    /// <c>socket.CloseAsync(status, description[, token])</c> with plain positional arguments, when the project references
    /// the runtime's GracefulClose. CloseOutputAsync keeps the BCL fix: GracefulClose waits for the peer's Close, which a
    /// receive loop running next to CloseOutputAsync would take.
    /// </summary>
    private static RuntimeClose? FindRuntimeClose(SemanticModel model, SyntaxNode target, CancellationToken cancellationToken)
    {
        var list = target as ArgumentListSyntax ?? target.Parent?.Parent as ArgumentListSyntax;
        if (list?.Parent is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CloseAsync" } access } invocation
            || list.Arguments.Count is not (2 or 3)
            || list.Arguments.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None))
            || !RuntimeSyntax.HasGracefulClose(model.Compilation)
            || model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { IsStatic: false, Parameters.Length: 3 } method
            || !DerivesFromWebSocket(method.ContainingType, model.Compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocket")))
        {
            return null;
        }

        return new RuntimeClose(invocation, access.Expression.WithoutTrivia(), list.Arguments[0].Expression.WithoutTrivia(), list.Arguments[1].Expression.WithoutTrivia());
    }

    private static bool DerivesFromWebSocket(INamedTypeSymbol? type, INamedTypeSymbol? webSocket)
    {
        for (; type is not null && webSocket is not null; type = type.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(type, webSocket))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class RuntimeClose
    {
        public RuntimeClose(InvocationExpressionSyntax invocation, ExpressionSyntax socket, ExpressionSyntax status, ExpressionSyntax description)
        {
            Invocation = invocation;
            Socket = socket;
            Status = status;
            Description = description;
        }

        public InvocationExpressionSyntax Invocation { get; }
        public ExpressionSyntax Socket { get; }
        public ExpressionSyntax Status { get; }
        public ExpressionSyntax Description { get; }
    }

    // using var closeTimeout = ...; goes before the statement making the call, which must sit in a block.
    private static StatementSyntax? FindTimeoutAnchor(SyntaxNode target)
    {
        var statement = target.FirstAncestorOrSelf<StatementSyntax>();
        return statement?.Parent is BlockSyntax ? statement : null;
    }

    private static async Task<Document> ApplyAsync(Document document, IEnumerable<Diagnostic> diagnostics, bool useTimeout, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var root = editor.OriginalRoot;
        var takenNames = new HashSet<string>();
        foreach (var diagnostic in diagnostics)
        {
            var target = FindTarget(root, diagnostic);
            var tokenText = diagnostic.Properties.TryGetValue(A.TokenProperty, out var t) ? t : null;
            if (target is null || tokenText is null)
            {
                continue;
            }

            var isClose = diagnostic.Properties.TryGetValue(A.IsCloseProperty, out var c) && c == "true";
            if (useTimeout && isClose && FindRuntimeClose(editor.SemanticModel, target, cancellationToken) is { } close)
            {
                var graceful = RuntimeSyntax.GracefulCloseCall(close.Socket, close.Status, close.Description, token: null);
                editor.ReplaceNode(close.Invocation, FixSyntax.Annotate(graceful.WithTriviaFrom(close.Invocation)));
                continue;
            }

            ExpressionSyntax token;
            if (useTimeout)
            {
                if (!isClose
                    || FindTimeoutAnchor(target) is not { } anchor
                    || editor.SemanticModel.Compilation.GetTypeByMetadataName("System.Threading.CancellationTokenSource") is not { } sourceType)
                {
                    continue;
                }

                var name = UniqueName(editor.SemanticModel, anchor, takenNames);
                takenNames.Add(name);
                var declaration = SyntaxFactory.LocalDeclarationStatement(
                        SyntaxFactory.VariableDeclaration(
                            SyntaxFactory.IdentifierName("var"),
                            SyntaxFactory.SingletonSeparatedList(
                                SyntaxFactory.VariableDeclarator(name).WithInitializer(
                                    SyntaxFactory.EqualsValueClause(
                                        SyntaxFactory.ObjectCreationExpression(FixSyntax.Type(editor.Generator, sourceType))
                                            .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(
                                                SyntaxFactory.Argument(IoFixSyntax.TimeSpanFromSeconds(CloseTimeoutSeconds))))))))))
                    .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword));
                editor.InsertBefore(anchor, FixSyntax.Annotate(declaration));
                token = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.IdentifierName("Token"));
            }
            else
            {
                token = SyntaxFactory.ParseExpression(tokenText);
            }

            if (target is ArgumentListSyntax list)
            {
                var parameterName = diagnostic.Properties.TryGetValue(A.ParameterNameProperty, out var p) ? p : null;
                if (string.IsNullOrEmpty(parameterName))
                {
                    continue;
                }

                var argument = SyntaxFactory.Argument(token).WithNameColon(SyntaxFactory.NameColon(parameterName!));
                editor.ReplaceNode(list, FixSyntax.Annotate(list.AddArguments(argument)));
            }
            else
            {
                editor.ReplaceNode(target, FixSyntax.Annotate(token.WithTriviaFrom(target)));
            }
        }

        return await IoFixSyntax.AddImportsAsync(editor, cancellationToken).ConfigureAwait(false);
    }

    private static string UniqueName(SemanticModel model, StatementSyntax anchor, HashSet<string> taken)
    {
        var scope = (SyntaxNode?)anchor.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? anchor.SyntaxTree.GetRoot();
        var declared = new HashSet<string>(scope.DescendantNodes().Select(DeclaredName).Where(n => n is not null)!);
        for (var i = 1; ; i++)
        {
            var candidate = i == 1 ? CloseTimeoutName : CloseTimeoutName + i;
            if (!taken.Contains(candidate) && !declared.Contains(candidate) && model.LookupSymbols(anchor.SpanStart, name: candidate).IsEmpty)
            {
                return candidate;
            }
        }
    }

    private static string? DeclaredName(SyntaxNode node) => node switch
    {
        VariableDeclaratorSyntax v => v.Identifier.ValueText,
        SingleVariableDesignationSyntax d => d.Identifier.ValueText,
        ParameterSyntax p => p.Identifier.ValueText,
        ForEachStatementSyntax f => f.Identifier.ValueText,
        CatchDeclarationSyntax c => c.Identifier.ValueText,
        LocalFunctionStatementSyntax l => l.Identifier.ValueText,
        _ => null,
    };

    private sealed class FixAll : DocumentBasedFixAllProvider
    {
        protected override string GetFixAllTitle(FixAllContext fixAllContext)
            => fixAllContext.CodeActionEquivalenceKey == CloseTimeoutEquivalenceKey ? "Cancel every close after a timeout" : "Pass the token in scope everywhere";

        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
        {
            var useTimeout = fixAllContext.CodeActionEquivalenceKey == CloseTimeoutEquivalenceKey;
            return await ApplyAsync(document, diagnostics, useTimeout, fixAllContext.CancellationToken).ConfigureAwait(false);
        }
    }
}
