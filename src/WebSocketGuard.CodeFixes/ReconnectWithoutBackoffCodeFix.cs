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
using A = WebSocketGuard.Analyzers.ReconnectWithoutBackoffAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1003: adds an attempt counter before the retry loop, resets it after a successful connect, and waits a
/// full-jitter delay that doubles from 1 s to a 30 s cap — at the end of the loop body, or in place of the fixed delay.
/// When the project references the WebSocketGuard runtime the wait is <c>Backoff.Default.DelayAsync</c>; otherwise plain BCL code.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReconnectWithoutBackoffCodeFix)), Shared]
public sealed class ReconnectWithoutBackoffCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1003.ExponentialBackoff";
    private const int BaseDelayMilliseconds = 1_000;
    private const int MaxDelayMilliseconds = 30_000;
    private const int MaxDoublings = 5; // 1 s << 5 = 32 s, capped at 30 s
    private const string RuntimeBackoffType = "WebSocketGuard.Backoff";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ReconnectWithoutBackoff);

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
                    CodeAction.Create("Back off exponentially with jitter between attempts", ct => ApplyAsync(context.Document, plan, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(StatementSyntax loop, StatementSyntax connectStatement, StatementSyntax? fixedDelayStatement, StatementSyntax? lastStatement,
            ExpressionSyntax? token, string attemptName, string delayName, INamedTypeSymbol? math, INamedTypeSymbol? random, INamedTypeSymbol? task, INamedTypeSymbol? backoff, bool configureAwait)
        {
            Loop = loop;
            ConnectStatement = connectStatement;
            FixedDelayStatement = fixedDelayStatement;
            LastStatement = lastStatement;
            Token = token;
            AttemptName = attemptName;
            DelayName = delayName;
            Math = math;
            Random = random;
            Task = task;
            Backoff = backoff;
            ConfigureAwait = configureAwait;
        }

        public StatementSyntax Loop { get; }
        public StatementSyntax ConnectStatement { get; }
        public StatementSyntax? FixedDelayStatement { get; }
        public StatementSyntax? LastStatement { get; }
        public ExpressionSyntax? Token { get; }
        public string AttemptName { get; }
        public string DelayName { get; }
        public INamedTypeSymbol? Math { get; }
        public INamedTypeSymbol? Random { get; }
        public INamedTypeSymbol? Task { get; }

        // The runtime's backoff policy; null when the project does not reference the runtime (or it cannot be named here).
        public INamedTypeSymbol? Backoff { get; }

        // The connect is awaited with ConfigureAwait(false), so the runtime wait is too.
        public bool ConfigureAwait { get; }
    }

    private static FixPlan? Plan(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(A.KindProperty, out var kind)
            || kind is not (A.KindImmediate or A.KindFixedDelay)
            || diagnostic.AdditionalLocations.Count < (kind == A.KindFixedDelay ? 2 : 1)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax connect)
        {
            return null;
        }

        var loopSpan = diagnostic.AdditionalLocations[0].SourceSpan;
        var loop = root.FindNode(loopSpan).FirstAncestorOrSelf<StatementSyntax>(s => s.Span == loopSpan);
        var body = loop switch
        {
            WhileStatementSyntax w => w.Statement,
            DoStatementSyntax d => d.Statement,
            ForStatementSyntax f => f.Statement,
            _ => null,
        };

        if (loop?.Parent is not BlockSyntax || body is not BlockSyntax block || block.Statements.Count == 0)
        {
            return null;
        }

        // The connect must be awaited as a statement of its own, so the reset can follow it.
        var awaited = FixSyntax.WithConfigureAwait(connect);
        if (awaited.Parent is not AwaitExpressionSyntax { Parent: ExpressionStatementSyntax { Parent: BlockSyntax } connectStatement })
        {
            return null;
        }

        var backoff = RuntimeBackoff(model, loop);
        var math = model.Compilation.GetTypeByMetadataName("System.Math");
        var random = model.Compilation.GetTypeByMetadataName("System.Random");
        var task = model.Compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        if (backoff is null && (math is null || random is null || task is null || random.GetMembers("Shared").IsEmpty))
        {
            return null;
        }

        StatementSyntax? fixedDelayStatement = null;
        StatementSyntax? lastStatement = null;
        ExpressionSyntax? token = null;
        if (kind == A.KindFixedDelay)
        {
            var delaySpan = diagnostic.AdditionalLocations[1].SourceSpan;
            if (root.FindNode(delaySpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax delay)
            {
                return null;
            }

            // await Task.Delay(...).ConfigureAwait(false) is replaced whole.
            var delayExpression = delay.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configuredDelay }
                ? (ExpressionSyntax)configuredDelay
                : delay;
            fixedDelayStatement = delayExpression.Parent switch
            {
                AwaitExpressionSyntax { Parent: ExpressionStatementSyntax statement } => statement,
                ExpressionStatementSyntax statement => statement, // Thread.Sleep(...)
                _ => null,
            };

            if (fixedDelayStatement?.Parent is not BlockSyntax)
            {
                return null;
            }

            token = FindToken(model, delay, cancellationToken);
        }
        else
        {
            lastStatement = block.Statements.Last();
            if (lastStatement is ReturnStatementSyntax or ThrowStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax || HasContinue(block, loop))
            {
                return null; // the delay at the end of the body would be skipped or unreachable
            }
        }

        token ??= FindToken(model, connect, cancellationToken);
        var attemptName = UniqueName(model, loop, "reconnectAttempt");
        var delayName = UniqueName(model, loop, "reconnectDelay");
        return new FixPlan(loop, connectStatement, fixedDelayStatement, lastStatement, token, attemptName, delayName, math, random, task, backoff, awaited != connect);
    }

    // WebSocketGuard.Backoff when the project references the runtime and the short name Backoff means it at the loop.
    private static INamedTypeSymbol? RuntimeBackoff(SemanticModel model, SyntaxNode loop)
    {
        var backoff = model.Compilation.GetTypeByMetadataName(RuntimeBackoffType);
        if (backoff is null
            || backoff.DeclaredAccessibility != Accessibility.Public
            || !backoff.GetMembers("Default").Any(m => m is IPropertySymbol { IsStatic: true })
            || !backoff.GetMembers("DelayAsync").Any(m => m is IMethodSymbol { IsStatic: false, Parameters.Length: 2 }))
        {
            return null;
        }

        // A type of the user's own called Backoff would capture the short name the fix writes.
        var sameName = model.LookupNamespacesAndTypes(loop.SpanStart, name: backoff.Name);
        return sameName.All(s => SymbolEqualityComparer.Default.Equals(s, backoff)) ? backoff : null;
    }

    // A simple CancellationToken argument (a name or member access) to pass on to Task.Delay.
    private static ExpressionSyntax? FindToken(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (argument.Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
                && model.GetTypeInfo(argument.Expression, cancellationToken).Type is { Name: "CancellationToken", ContainingNamespace: { Name: "Threading", ContainingNamespace.Name: "System" } })
            {
                return argument.Expression;
            }
        }

        return null;
    }

    private static bool HasContinue(BlockSyntax body, StatementSyntax loop)
    {
        foreach (var node in body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (node is ContinueStatementSyntax continueStatement
                && continueStatement.Ancestors().FirstOrDefault(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or ForEachStatementSyntax) == loop)
            {
                return true;
            }
        }

        return false;
    }

    private static string UniqueName(SemanticModel model, SyntaxNode loop, string name)
    {
        var member = loop.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? loop;
        var candidate = name;
        for (var i = 2; IsTaken(model, loop, member, candidate); i++)
        {
            candidate = name + i;
        }

        return candidate;
    }

    private static bool IsTaken(SemanticModel model, SyntaxNode loop, SyntaxNode member, string name)
        => !model.LookupSymbols(loop.SpanStart, name: name).IsEmpty
           || member.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name);

    private static async Task<Document> ApplyAsync(Document document, FixPlan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var generator = editor.Generator;
        var attempt = SyntaxFactory.IdentifierName(plan.AttemptName);
        var delay = SyntaxFactory.IdentifierName(plan.DelayName);

        editor.InsertBefore(plan.Loop, FixSyntax.Annotate(LocalDeclaration(plan.AttemptName, Literal(0))));
        editor.InsertAfter(plan.ConnectStatement, FixSyntax.Annotate(
            SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, attempt, Literal(0)))));

        if (plan.Backoff is not null)
        {
            // await Backoff.Default.DelayAsync(reconnectAttempt++, token);
            var syntax = new FixSyntax(editor.SemanticModel, plan.Loop.SpanStart);
            var policy = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, syntax.Type(plan.Backoff), SyntaxFactory.IdentifierName("Default"));
            var next = SyntaxFactory.PostfixUnaryExpression(SyntaxKind.PostIncrementExpression, attempt);
            var arguments = plan.Token is null ? new ExpressionSyntax[] { next } : new[] { next, plan.Token.WithoutTrivia() };
            var call = Invoke(policy, "DelayAsync", arguments);
            var awaited = plan.ConfigureAwait ? Invoke(call, "ConfigureAwait", SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression)) : call;
            var runtimeWait = FixSyntax.Annotate(SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(awaited)));
            PlaceWait(editor, plan, runtimeWait);
            return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        // var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
        var math = FixSyntax.Type(generator, plan.Math!);
        var doublings = Invoke(math, "Min", attempt, Literal(MaxDoublings));
        var uncapped = SyntaxFactory.BinaryExpression(SyntaxKind.LeftShiftExpression, Literal(BaseDelayMilliseconds), doublings);
        var capped = Invoke(math, "Min", Literal(MaxDelayMilliseconds), uncapped);

        // await Task.Delay(Random.Shared.Next(reconnectDelay), token);
        var jitter = Invoke(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, FixSyntax.Type(generator, plan.Random!), SyntaxFactory.IdentifierName("Shared")),
            "Next",
            delay);
        var delayArguments = plan.Token is null ? new[] { jitter } : new[] { jitter, plan.Token.WithoutTrivia() };
        var wait = SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(Invoke(FixSyntax.Type(generator, plan.Task!), "Delay", delayArguments)));

        var backoff = new StatementSyntax[]
        {
            LocalDeclaration(plan.DelayName, capped),
            SyntaxFactory.ExpressionStatement(SyntaxFactory.PostfixUnaryExpression(SyntaxKind.PostIncrementExpression, attempt)),
            wait,
        }.Select(FixSyntax.Annotate).ToArray();

        PlaceWait(editor, plan, backoff);
        return editor.GetChangedDocument();
    }

    // In place of the fixed delay, or at the end of the loop body.
    private static void PlaceWait(DocumentEditor editor, FixPlan plan, params StatementSyntax[] wait)
    {
        if (plan.FixedDelayStatement is not null)
        {
            editor.InsertBefore(plan.FixedDelayStatement, wait);
            editor.RemoveNode(plan.FixedDelayStatement);
        }
        else if (plan.LastStatement is not null)
        {
            editor.InsertAfter(plan.LastStatement, wait);
        }
    }

    // 30_000 rather than 30000: milliseconds read better with a digit separator.
    private static LiteralExpressionSyntax Literal(int value)
        => SyntaxFactory.LiteralExpression(
            SyntaxKind.NumericLiteralExpression,
            value >= 1_000
                ? SyntaxFactory.Literal(value.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture).Replace(",", "_"), value)
                : SyntaxFactory.Literal(value));

    private static LocalDeclarationStatementSyntax LocalDeclaration(string name, ExpressionSyntax value)
        => SyntaxFactory.LocalDeclarationStatement(
            SyntaxFactory.VariableDeclaration(
                SyntaxFactory.IdentifierName("var"),
                SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name)).WithInitializer(SyntaxFactory.EqualsValueClause(value)))));

    private static InvocationExpressionSyntax Invoke(ExpressionSyntax target, string method, params ExpressionSyntax[] arguments)
        => SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target, SyntaxFactory.IdentifierName(method)),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments.Select(SyntaxFactory.Argument))));
}
