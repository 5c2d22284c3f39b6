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
using A = WebSocketGuard.Analyzers.BlockingWaitOnSocketOperationAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG1012: <c>t.Wait()</c>, <c>t.Result</c>, <c>t.GetAwaiter().GetResult()</c> become <c>await t</c>; a synchronous <c>Main</c> becomes async.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BlockingWaitOnSocketOperationCodeFix)), Shared]
public sealed class BlockingWaitOnSocketOperationCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1012.Await";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.BlockingWaitOnSocketOperation);

    // Several waits in one Main all make that Main async: fix-all edits each document once.
    public override FixAllProvider GetFixAllProvider() => new FixAll();

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (Plan(root, diagnostic) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Await the socket operation", ct => ApplyAsync(context.Document, new[] { diagnostic }, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class Edit
    {
        public Edit(ExpressionSyntax blocking, SyntaxNode? functionToMakeAsync)
        {
            Blocking = blocking;
            FunctionToMakeAsync = functionToMakeAsync;
        }

        public ExpressionSyntax Blocking { get; }

        /// <summary>A synchronous Main, or a Task-returning method or local function, that becomes async.</summary>
        public SyntaxNode? FunctionToMakeAsync { get; }
    }

    private static Edit? Plan(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(A.AwaitKindProperty, out var kind) || kind is null)
        {
            return null;
        }

        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        if (node is not ExpressionSyntax blocking || GetTask(blocking) is null)
        {
            return null;
        }

        if (kind == A.AwaitKindAsync)
        {
            return new Edit(blocking, null);
        }

        if (kind == A.AwaitKindMain)
        {
            return blocking.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } main && (main.Body is not null || main.ExpressionBody is not null)
                ? new Edit(blocking, main)
                : null;
        }

        if (kind == A.AwaitKindTaskReturning)
        {
            var function = blocking.Ancestors().FirstOrDefault(a => a is MethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
            return function is MethodDeclarationSyntax or LocalFunctionStatementSyntax ? new Edit(blocking, function) : null;
        }

        return null;
    }

    /// <summary>The task under <c>t.Wait()</c>, <c>t.Result</c> or <c>t.GetAwaiter().GetResult()</c>.</summary>
    private static ExpressionSyntax? GetTask(ExpressionSyntax blocking) => blocking switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Wait" } wait } => wait.Expression,
        MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" } result => result.Expression,
        InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax
            {
                Name.Identifier.ValueText: "GetResult",
                Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter" } getAwaiter },
            },
        } => getAwaiter.Expression,
        _ => null,
    };

    private static async Task<Document> ApplyAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var edits = diagnostics.Select(d => Plan(editor.OriginalRoot, d)).Where(e => e is not null).Select(e => e!).ToList();

        foreach (var edit in edits)
        {
            editor.ReplaceNode(edit.Blocking, (current, _) => current is ExpressionSyntax expression ? AwaitInstead(expression, edit.Blocking) : current);
        }

        foreach (var function in edits.Select(e => e.FunctionToMakeAsync).Where(m => m is not null).Distinct())
        {
            editor.ReplaceNode(function!, (current, _) => current switch
            {
                MethodDeclarationSyntax { Identifier.ValueText: "Main" } main when !IsTaskReturning(main.ReturnType) => MakeAsync(main),
                MethodDeclarationSyntax method => MakeTaskReturningAsync(method, method.Body, method.ExpressionBody, (b, e) => method.WithBody(b).WithExpressionBody(e)),
                LocalFunctionStatementSyntax local => MakeTaskReturningAsync(local, local.Body, local.ExpressionBody, (b, e) => local.WithBody(b).WithExpressionBody(e)),
                _ => current,
            });
        }

        return await IoFixSyntax.AddImportsAsync(editor, cancellationToken).ConfigureAwait(false);
    }

    private static SyntaxNode AwaitInstead(ExpressionSyntax current, ExpressionSyntax original)
    {
        var task = GetTask(current);
        if (task is null)
        {
            return current;
        }

        ExpressionSyntax awaited = SyntaxFactory.AwaitExpression(task.WithoutTrivia());
        if (NeedsParentheses(original))
        {
            awaited = SyntaxFactory.ParenthesizedExpression(awaited);
        }

        return FixSyntax.Annotate(awaited.WithTriviaFrom(current));
    }

    // 'await' binds looser than member access, invocation and indexing: (await t).Count.
    private static bool NeedsParentheses(ExpressionSyntax node) => node.Parent switch
    {
        MemberAccessExpressionSyntax access => access.Expression == node,
        ConditionalAccessExpressionSyntax conditional => conditional.Expression == node,
        ElementAccessExpressionSyntax element => element.Expression == node,
        InvocationExpressionSyntax invocation => invocation.Expression == node,
        PostfixUnaryExpressionSyntax => true,
        _ => false,
    };

    private static SyntaxNode MakeAsync(MethodDeclarationSyntax method)
    {
        if (method.Modifiers.Any(SyntaxKind.AsyncKeyword))
        {
            return method;
        }

        var returnsVoid = method.ReturnType is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword);
        var returnType = IoFixSyntax.QualifiedType(returnsVoid ? "System.Threading.Tasks.Task" : "System.Threading.Tasks.Task<int>");
        return method
            .WithReturnType(returnType.WithTriviaFrom(method.ReturnType))
            .AddModifiers(SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
    }

    private static bool IsTaskReturning(TypeSyntax type)
        => type is IdentifierNameSyntax { Identifier.ValueText: "Task" } or GenericNameSyntax { Identifier.ValueText: "Task" } or QualifiedNameSyntax { Right.Identifier.ValueText: "Task" };

    // Task.CompletedTask returns become 'return;' (dropped at the end), Task.FromResult(x) returns become 'return x;'.
    private static SyntaxNode MakeTaskReturningAsync<T>(T function, BlockSyntax? body, ArrowExpressionClauseSyntax? expressionBody, System.Func<BlockSyntax?, ArrowExpressionClauseSyntax?, T> with)
        where T : SyntaxNode
    {
        if (expressionBody is not null)
        {
            var unwrapped = UnwrapFromResult(expressionBody.Expression);
            if (unwrapped is null)
            {
                return function;
            }

            expressionBody = expressionBody.WithExpression(unwrapped.WithTriviaFrom(expressionBody.Expression));
        }

        if (body is not null)
        {
            var returns = body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<ReturnStatementSyntax>().ToList();
            body = body.ReplaceNodes(returns, (original, _) =>
            {
                if (original.Expression is { } value && UnwrapFromResult(value) is { } result)
                {
                    return original.WithExpression(result.WithTriviaFrom(value));
                }

                return original.WithExpression(null).WithReturnKeyword(original.ReturnKeyword.WithTrailingTrivia());
            });

            if (body.Statements.LastOrDefault() is ReturnStatementSyntax { Expression: null } last)
            {
                body = body.RemoveNode(last, SyntaxRemoveOptions.KeepNoTrivia) ?? body;
            }
        }

        var updated = with(body, expressionBody);
        var modifiers = updated switch
        {
            MethodDeclarationSyntax method => method.Modifiers,
            LocalFunctionStatementSyntax local => local.Modifiers,
            _ => default,
        };
        var async = SyntaxFactory.Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        SyntaxNode result = updated switch
        {
            MethodDeclarationSyntax method when modifiers.Count == 0
                => method.WithReturnType(method.ReturnType.WithoutLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(async.WithLeadingTrivia(method.ReturnType.GetLeadingTrivia()))),
            MethodDeclarationSyntax method => method.AddModifiers(async),
            LocalFunctionStatementSyntax local when modifiers.Count == 0
                => local.WithReturnType(local.ReturnType.WithoutLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(async.WithLeadingTrivia(local.ReturnType.GetLeadingTrivia()))),
            LocalFunctionStatementSyntax local => local.AddModifiers(async),
            _ => updated,
        };
        return result.WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
    }

    // Task.FromResult(x) -> x; Task.CompletedTask -> null (the caller drops the value).
    private static ExpressionSyntax? UnwrapFromResult(ExpressionSyntax value)
        => value is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "FromResult" },
            ArgumentList.Arguments.Count: 1,
        } invocation
            ? invocation.ArgumentList.Arguments[0].Expression
            : null;

    private sealed class FixAll : DocumentBasedFixAllProvider
    {
        protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
            => await ApplyAsync(document, diagnostics, fixAllContext.CancellationToken).ConfigureAwait(false);
    }
}
