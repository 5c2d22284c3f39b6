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

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1001: wraps the loop in <c>try</c> with <c>catch (OperationCanceledException) when (token.IsCancellationRequested)</c>
/// and <c>catch (WebSocketException)</c> that logs (when an <c>ILogger</c> is in scope) and aborts the socket.
/// Where the runtime is referenced, also offers <c>ReceiveLoop.RunAsync</c> in place of a receive loop (<see cref="ReceiveLoopRuntimePlan"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReceiveLoopWithoutErrorHandlingCodeFix)), Shared]
public sealed class ReceiveLoopWithoutErrorHandlingCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1001.CatchAndAbort";
    public const string ReceiveLoopEquivalenceKey = "WSG1001.ReceiveLoop";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ReceiveLoopWithoutErrorHandling);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

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
            if (Plan(root, model, diagnostic, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Catch WebSocketException around the loop and abort the socket", ct => ApplyAsync(context.Document, plan, ct), EquivalenceKey),
                    diagnostic);
            }

            if (ReceiveCall(root, diagnostic) is { } receive
                && ReceiveLoopRuntimePlan.TryCreate(receive, diagnostic.Location.SourceSpan.Start, model, context.CancellationToken) is { } runtimePlan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Run the loop with ReceiveLoop (whole messages, Close answered, failures returned)", ct => ReceiveLoopRuntimePlan.ApplyAsync(context.Document, runtimePlan, ct), ReceiveLoopEquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static InvocationExpressionSyntax? ReceiveCall(SyntaxNode root, Diagnostic diagnostic)
        => diagnostic.AdditionalLocations.Count > 0
           && root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call
            ? call
            : null;

    private sealed class FixPlan
    {
        public FixPlan(StatementSyntax loop, ExpressionSyntax socket, ExpressionSyntax? token, ExpressionSyntax? logger, INamedTypeSymbol webSocketException, INamedTypeSymbol canceled)
        {
            Loop = loop;
            Socket = socket;
            Token = token;
            Logger = logger;
            WebSocketException = webSocketException;
            Canceled = canceled;
        }

        public StatementSyntax Loop { get; }
        public ExpressionSyntax Socket { get; }
        public ExpressionSyntax? Token { get; }
        public ExpressionSyntax? Logger { get; }
        public INamedTypeSymbol WebSocketException { get; }
        public INamedTypeSymbol Canceled { get; }
    }

    private static FixPlan? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (ReceiveCall(root, diagnostic) is not { } call
            || call.Expression is not MemberAccessExpressionSyntax { Expression: var socket })
        {
            return null;
        }

        var start = diagnostic.Location.SourceSpan.Start;
        var loop = call.Ancestors().OfType<StatementSyntax>().FirstOrDefault(s =>
            s is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax && s.SpanStart == start);
        var webSocketException = model.Compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketException");
        var canceled = model.Compilation.GetTypeByMetadataName("System.OperationCanceledException");
        if (loop is null || webSocketException is null || canceled is null
            || loop.DescendantNodes().OfType<YieldStatementSyntax>().Any()
            || !EndIsAllowed(model, loop, cancellationToken))
        {
            return null;
        }

        // The catch sits outside the loop: the socket must be visible there.
        if (!IsVisibleAt(model, socket, loop.SpanStart, cancellationToken))
        {
            return null;
        }

        ExpressionSyntax? token = null;
        foreach (var argument in call.ArgumentList.Arguments)
        {
            if (argument.Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
                && model.GetTypeInfo(argument.Expression, cancellationToken).Type is { Name: "CancellationToken" }
                && model.GetSymbolInfo(argument.Expression, cancellationToken).Symbol is { IsStatic: false }
                && IsVisibleAt(model, argument.Expression, loop.SpanStart, cancellationToken))
            {
                token = argument.Expression;
            }
        }

        return new FixPlan(loop, socket, token, FindLogger(model, loop, cancellationToken), webSocketException, canceled);
    }

    // After the fix the end of the try can be reached, so the function must not need a value there.
    internal static bool EndIsAllowed(SemanticModel model, StatementSyntax loop, CancellationToken cancellationToken)
    {
        var function = loop.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or GlobalStatementSyntax);
        if (function is GlobalStatementSyntax)
        {
            return true;
        }

        var symbol = function is null ? null : (model.GetDeclaredSymbol(function, cancellationToken) ?? model.GetSymbolInfo(function, cancellationToken).Symbol) as IMethodSymbol;
        if (symbol is null)
        {
            return false;
        }

        var returnType = symbol.ReturnType;
        return symbol.ReturnsVoid
            || (returnType is INamedTypeSymbol { Arity: 0, Name: "Task" or "ValueTask", ContainingNamespace: { Name: "Tasks" } } && symbol.IsAsync);
    }

    internal static bool IsVisibleAt(SemanticModel model, ExpressionSyntax expression, int position, CancellationToken cancellationToken)
    {
        var head = expression;
        while (head is MemberAccessExpressionSyntax member)
        {
            head = member.Expression;
        }

        if (head is ThisExpressionSyntax)
        {
            return true;
        }

        if (head is not IdentifierNameSyntax identifier)
        {
            return false;
        }

        var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
        return symbol is not null && model.LookupSymbols(position, name: identifier.Identifier.ValueText).Contains(symbol, SymbolEqualityComparer.Default);
    }

    // An ILogger field, property, parameter or local in scope, when LogWarning is importable here.
    private static ExpressionSyntax? FindLogger(SemanticModel model, StatementSyntax loop, CancellationToken cancellationToken)
    {
        var logger = model.Compilation.GetTypeByMetadataName("Microsoft.Extensions.Logging.ILogger");
        if (logger is null || model.LookupNamespacesAndTypes(loop.SpanStart, name: "LoggerExtensions").IsEmpty)
        {
            return null;
        }

        var inStaticCode = model.GetEnclosingSymbol(loop.SpanStart, cancellationToken) is { IsStatic: true };
        foreach (var symbol in model.LookupSymbols(loop.SpanStart))
        {
            var type = symbol switch
            {
                ILocalSymbol local => local.Type,
                IParameterSymbol parameter => parameter.Type,
                IFieldSymbol field when field.IsStatic || !inStaticCode => field.Type,
                IPropertySymbol property when property.IsStatic || !inStaticCode => property.Type,
                _ => null,
            };

            if (type is not null
                && (SymbolEqualityComparer.Default.Equals(type, logger) || type.AllInterfaces.Contains(logger, SymbolEqualityComparer.Default)))
            {
                return SyntaxFactory.IdentifierName(symbol.Name);
            }
        }

        return null;
    }

    private static async Task<Document> ApplyAsync(Document document, FixPlan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var generator = editor.Generator;
        var catches = new List<CatchClauseSyntax>();

        if (plan.Token is not null)
        {
            catches.Add(SyntaxFactory.CatchClause()
                .WithDeclaration(SyntaxFactory.CatchDeclaration(FixSyntax.Type(generator, plan.Canceled)))
                .WithFilter(SyntaxFactory.CatchFilterClause(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, plan.Token.WithoutTrivia(), SyntaxFactory.IdentifierName("IsCancellationRequested")))));
        }

        var handler = new List<StatementSyntax>();
        var declaration = SyntaxFactory.CatchDeclaration(FixSyntax.Type(generator, plan.WebSocketException));
        if (plan.Logger is not null)
        {
            declaration = declaration.WithIdentifier(SyntaxFactory.Identifier("ex"));
            handler.Add(SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, plan.Logger, SyntaxFactory.IdentifierName("LogWarning")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
                {
                    SyntaxFactory.Argument(SyntaxFactory.IdentifierName("ex")),
                    SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal("WebSocket connection failed"))),
                })))));
        }

        handler.Add(SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, plan.Socket.WithoutTrivia(), SyntaxFactory.IdentifierName("Abort")))));
        catches.Add(SyntaxFactory.CatchClause().WithDeclaration(declaration).WithBlock(SyntaxFactory.Block(handler)));

        var tryStatement = SyntaxFactory.TryStatement(
            SyntaxFactory.Block(plan.Loop.WithoutLeadingTrivia().WithTrailingTrivia(SyntaxFactory.ElasticMarker)),
            SyntaxFactory.List(catches),
            @finally: null);
        editor.ReplaceNode(plan.Loop, FixSyntax.Annotate(tryStatement.WithLeadingTrivia(plan.Loop.GetLeadingTrivia())));
        return editor.GetChangedDocument();
    }
}
