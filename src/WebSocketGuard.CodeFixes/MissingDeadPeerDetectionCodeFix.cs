using System;
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
using A = WebSocketGuard.Analyzers.MissingDeadPeerDetectionAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1002: turns keep-alive back on (30 s) and adds a 20 s keep-alive timeout where the framework has one;
/// with the WebSocketGuard runtime referenced, calls <c>KeepAlive.Configure</c> instead.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MissingDeadPeerDetectionCodeFix)), Shared]
public sealed class MissingDeadPeerDetectionCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1002.ConfigureKeepAlive";
    private const int IntervalSeconds = 30;
    private const int TimeoutSeconds = 20;
    private const string KeepAliveType = "WebSocketGuard.KeepAlive";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.MissingDeadPeerDetection);

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
            var properties = diagnostic.Properties;
            if (!properties.TryGetValue(A.KindProperty, out var kind) || kind is null)
            {
                continue;
            }

            var hasTimeout = properties.TryGetValue(A.HasTimeoutProperty, out var t) && t == "true";
            var hasRuntime = properties.TryGetValue(A.HasRuntimeProperty, out var r) && r == "true";
            var hasInterval = properties.TryGetValue(A.HasIntervalProperty, out var i) && i == "true";
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (node is ArgumentSyntax argumentNode)
            {
                node = argumentNode.Expression;
            }

            Func<CancellationToken, Task<Document>>? fix = kind switch
            {
                A.KindDisabledValue when node is ExpressionSyntax value
                    => ct => ReplaceDisabledValueAsync(context.Document, value, hasRuntime, ct),
                A.KindClientSocket when node is BaseObjectCreationExpressionSyntax creation && (hasTimeout || hasRuntime)
                    => PlanClientSocketFix(context.Document, creation, hasTimeout, hasRuntime, hasInterval),
                A.KindCreationOptions when node is BaseObjectCreationExpressionSyntax creation && hasTimeout
                    => ct => AddToInitializerAsync(context.Document, creation, hasInterval, ct),
                A.KindUseWebSockets when node is InvocationExpressionSyntax invocation && hasTimeout
                    => PlanUseWebSocketsFix(context.Document, invocation, hasInterval),
                _ => null,
            };

            if (fix is not null)
            {
                var title = kind == A.KindDisabledValue ? "Turn keep-alive on (30 s)" : "Configure keep-alive with a timeout";
                context.RegisterCodeFix(CodeAction.Create(title, fix, EquivalenceKey), diagnostic);
            }
        }
    }

    private static async Task<Document> ReplaceDisabledValueAsync(Document document, ExpressionSyntax value, bool hasRuntime, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, value.SpanStart);
        ExpressionSyntax replacement = hasRuntime && syntax.Compilation.GetTypeByMetadataName(KeepAliveType) is not null
            ? syntax.StaticMember(KeepAliveType, "DefaultInterval")
            : syntax.TimeSpanFromSeconds(IntervalSeconds);
        editor.ReplaceNode(value, FixSyntax.Annotate(replacement.WithTriviaFrom(value)));
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    private static Func<CancellationToken, Task<Document>>? PlanClientSocketFix(
        Document document, BaseObjectCreationExpressionSyntax creation, bool hasTimeout, bool hasRuntime, bool hasInterval)
    {
        var (statement, receiver) = FindStatementAndReceiver(creation);
        var canInsertStatements = statement?.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax;

        if (hasRuntime && canInsertStatements)
        {
            return ct => InsertRuntimeConfigureAsync(document, statement!, receiver!, ct);
        }

        if (!hasTimeout)
        {
            return null;
        }

        if (creation.Initializer is null && canInsertStatements)
        {
            var anchor = hasInterval ? FindIntervalStatement(statement!, receiver!) ?? statement! : statement!;
            return ct => InsertOptionStatementsAsync(document, anchor, receiver!, hasInterval, ct);
        }

        return ct => AddToSocketInitializerAsync(document, creation, hasInterval, ct);
    }

    // "socket.Options.KeepAliveInterval = ...;" among the statements after the creation: the timeout goes next to it.
    private static StatementSyntax? FindIntervalStatement(StatementSyntax creationStatement, ExpressionSyntax receiver)
    {
        var siblings = creationStatement.Parent switch
        {
            BlockSyntax block => block.Statements.Cast<SyntaxNode>().ToList(),
            SwitchSectionSyntax section => section.Statements.Cast<SyntaxNode>().ToList(),
            GlobalStatementSyntax { Parent: CompilationUnitSyntax unit } => unit.Members.Cast<SyntaxNode>().ToList(),
            _ => new List<SyntaxNode>(),
        };
        var receiverText = receiver.ToString();
        var start = siblings.IndexOf(creationStatement.Parent is GlobalStatementSyntax g ? g : creationStatement);
        for (var index = start + 1; index >= 1 && index < siblings.Count; index++)
        {
            var candidate = siblings[index] is GlobalStatementSyntax global ? global.Statement : siblings[index] as StatementSyntax;
            if (candidate is ExpressionStatementSyntax
                {
                    Expression: AssignmentExpressionSyntax
                    {
                        Left: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "KeepAliveInterval", Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Options" } options },
                    },
                } && options.Expression.ToString() == receiverText)
            {
                return candidate;
            }
        }

        return null;
    }

    // The statement that creates the socket, and the expression that names it afterwards.
    private static (StatementSyntax? Statement, ExpressionSyntax? Receiver) FindStatementAndReceiver(BaseObjectCreationExpressionSyntax creation)
    {
        SyntaxNode current = creation;
        while (current.Parent is CastExpressionSyntax or ParenthesizedExpressionSyntax)
        {
            current = current.Parent;
        }

        if (current.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            && declarator.Parent?.Parent is LocalDeclarationStatementSyntax declaration
            && declaration.Declaration.Variables.Count == 1)
        {
            return (declaration, SyntaxFactory.IdentifierName(declarator.Identifier.WithoutTrivia()));
        }

        if (current.Parent is AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax expressionStatement } assignment
            && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
            && assignment.Right == current)
        {
            return (expressionStatement, assignment.Left.WithoutTrivia());
        }

        return (null, null);
    }

    private static async Task<Document> InsertRuntimeConfigureAsync(Document document, StatementSyntax statement, ExpressionSyntax receiver, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, statement.SpanStart);
        var call = SyntaxFactory.ExpressionStatement(
            SyntaxFactory.InvocationExpression(
                syntax.StaticMember(KeepAliveType, "Configure"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                    SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("Options")))))));
        FixSyntax.TryInsertAfter(editor, statement, FixSyntax.Annotate(call));
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Document> InsertOptionStatementsAsync(
        Document document, StatementSyntax statement, ExpressionSyntax receiver, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, statement.SpanStart);
        var options = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("Options"));
        var statements = new List<StatementSyntax>();
        if (!hasInterval)
        {
            statements.Add(SetProperty(options, "KeepAliveInterval", syntax.TimeSpanFromSeconds(IntervalSeconds)));
        }

        statements.Add(SetProperty(options, "KeepAliveTimeout", syntax.TimeSpanFromSeconds(TimeoutSeconds)));
        FixSyntax.TryInsertAfter(editor, statement, statements.Select(FixSyntax.Annotate).ToArray());
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    private static StatementSyntax SetProperty(ExpressionSyntax owner, string property, ExpressionSyntax value)
        => SyntaxFactory.ExpressionStatement(
            SyntaxFactory.AssignmentExpression(
                SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(property)),
                value));

    private static AssignmentExpressionSyntax Assign(string property, ExpressionSyntax value)
        => SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(property), value);

    private static List<ExpressionSyntax> KeepAliveAssignments(FixSyntax syntax, bool hasInterval, InitializerExpressionSyntax? existing)
    {
        var present = new HashSet<string>(
            existing?.Expressions.OfType<AssignmentExpressionSyntax>().Select(a => a.Left).OfType<IdentifierNameSyntax>().Select(n => n.Identifier.ValueText)
            ?? Enumerable.Empty<string>());
        var result = new List<ExpressionSyntax>();
        if (!hasInterval && !present.Contains("KeepAliveInterval"))
        {
            result.Add(Assign("KeepAliveInterval", syntax.TimeSpanFromSeconds(IntervalSeconds)));
        }

        result.Add(Assign("KeepAliveTimeout", syntax.TimeSpanFromSeconds(TimeoutSeconds)));
        return result;
    }

    // new ClientWebSocket { Options = { KeepAliveInterval = ..., KeepAliveTimeout = ... } }
    private static async Task<Document> AddToSocketInitializerAsync(Document document, BaseObjectCreationExpressionSyntax creation, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, creation.SpanStart);
        var initializer = creation.Initializer;
        var optionsAssignment = initializer?.Expressions.OfType<AssignmentExpressionSyntax>()
            .FirstOrDefault(a => a.Left is IdentifierNameSyntax { Identifier.ValueText: "Options" } && a.Right is InitializerExpressionSyntax);

        BaseObjectCreationExpressionSyntax newCreation;
        if (optionsAssignment is { Right: InitializerExpressionSyntax nested })
        {
            var added = KeepAliveAssignments(syntax, hasInterval, nested);
            var newNested = nested.AddExpressions(added.ToArray());
            newCreation = creation.ReplaceNode(nested, newNested);
        }
        else
        {
            var nestedInitializer = SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SeparatedList(KeepAliveAssignments(syntax, hasInterval, null)));
            var optionsInit = SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName("Options"), nestedInitializer);
            newCreation = initializer is null
                ? WithInitializer(creation, SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(optionsInit)))
                : creation.WithInitializer(initializer.AddExpressions(optionsInit));
        }

        editor.ReplaceNode(creation, FixSyntax.Annotate(newCreation));
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    // new WebSocketCreationOptions { ..., KeepAliveInterval = ..., KeepAliveTimeout = ... }
    private static async Task<Document> AddToInitializerAsync(Document document, BaseObjectCreationExpressionSyntax creation, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, creation.SpanStart);
        var added = KeepAliveAssignments(syntax, hasInterval, creation.Initializer);
        var newCreation = creation.Initializer is null
            ? WithInitializer(creation, SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SeparatedList(added)))
            : creation.WithInitializer(creation.Initializer.AddExpressions(added.ToArray()));
        editor.ReplaceNode(creation, FixSyntax.Annotate(newCreation));
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    private static BaseObjectCreationExpressionSyntax WithInitializer(BaseObjectCreationExpressionSyntax creation, InitializerExpressionSyntax initializer)
    {
        // "new ClientWebSocket()" keeps its parentheses; the initializer goes after them.
        var trailing = creation.GetTrailingTrivia();
        return creation.WithoutTrailingTrivia().WithInitializer(initializer).WithTrailingTrivia(trailing);
    }

    private static Func<CancellationToken, Task<Document>>? PlanUseWebSocketsFix(Document document, InvocationExpressionSyntax invocation, bool hasInterval)
    {
        var arguments = invocation.ArgumentList.Arguments;
        if (arguments.Count == 0)
        {
            return ct => AddUseWebSocketsOptionsAsync(document, invocation, ct);
        }

        var last = arguments[arguments.Count - 1].Expression;
        return last is BaseObjectCreationExpressionSyntax creation
            ? ct => AddToInitializerAsync(document, creation, hasInterval, ct)
            : null;
    }

    private static async Task<Document> AddUseWebSocketsOptionsAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, invocation.SpanStart);
        var creation = SyntaxFactory.ObjectCreationExpression(syntax.Type("Microsoft.AspNetCore.Builder.WebSocketOptions"))
            .WithArgumentList(null)
            .WithInitializer(SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SeparatedList(KeepAliveAssignments(syntax, hasInterval: false, existing: null))));
        var newInvocation = invocation.WithArgumentList(invocation.ArgumentList.AddArguments(SyntaxFactory.Argument(creation)));
        editor.ReplaceNode(invocation, FixSyntax.Annotate(newInvocation));
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }
}
