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
        var keepAlive = hasRuntime ? editor.SemanticModel.Compilation.GetTypeByMetadataName("WebSocketGuard.KeepAlive") : null;
        var replacement = keepAlive is not null
            ? FixSyntax.StaticMember(editor.Generator, keepAlive, "DefaultInterval")
            : FixSyntax.TimeSpanFromSeconds(editor.Generator, editor.SemanticModel.Compilation, IntervalSeconds);
        editor.ReplaceNode(value, FixSyntax.Annotate(replacement.WithTriviaFrom(value)));
        return editor.GetChangedDocument();
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
            return ct => InsertOptionStatementsAsync(document, statement!, receiver!, hasInterval, ct);
        }

        return ct => AddToSocketInitializerAsync(document, creation, hasInterval, ct);
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
        var keepAlive = editor.SemanticModel.Compilation.GetTypeByMetadataName("WebSocketGuard.KeepAlive");
        if (keepAlive is null)
        {
            return document;
        }

        var call = SyntaxFactory.ExpressionStatement(
            (ExpressionSyntax)editor.Generator.InvocationExpression(
                FixSyntax.StaticMember(editor.Generator, keepAlive, "Configure"),
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("Options"))));
        FixSyntax.TryInsertAfter(editor, statement, FixSyntax.Annotate(call));
        return editor.GetChangedDocument();
    }

    private static async Task<Document> InsertOptionStatementsAsync(
        Document document, StatementSyntax statement, ExpressionSyntax receiver, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var compilation = editor.SemanticModel.Compilation;
        var options = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, SyntaxFactory.IdentifierName("Options"));
        var statements = new List<StatementSyntax>();
        if (!hasInterval)
        {
            statements.Add(SetProperty(options, "KeepAliveInterval", FixSyntax.TimeSpanFromSeconds(editor.Generator, compilation, IntervalSeconds)));
        }

        statements.Add(SetProperty(options, "KeepAliveTimeout", FixSyntax.TimeSpanFromSeconds(editor.Generator, compilation, TimeoutSeconds)));
        FixSyntax.TryInsertAfter(editor, statement, statements.Select(FixSyntax.Annotate).ToArray());
        return editor.GetChangedDocument();
    }

    private static StatementSyntax SetProperty(ExpressionSyntax owner, string property, ExpressionSyntax value)
        => SyntaxFactory.ExpressionStatement(
            SyntaxFactory.AssignmentExpression(
                SyntaxKind.SimpleAssignmentExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(property)),
                value));

    private static AssignmentExpressionSyntax Assign(string property, ExpressionSyntax value)
        => SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(property), value);

    private static List<ExpressionSyntax> KeepAliveAssignments(SyntaxGenerator generator, Compilation compilation, bool hasInterval, InitializerExpressionSyntax? existing)
    {
        var present = new HashSet<string>(
            existing?.Expressions.OfType<AssignmentExpressionSyntax>().Select(a => a.Left).OfType<IdentifierNameSyntax>().Select(n => n.Identifier.ValueText)
            ?? Enumerable.Empty<string>());
        var result = new List<ExpressionSyntax>();
        if (!hasInterval && !present.Contains("KeepAliveInterval"))
        {
            result.Add(Assign("KeepAliveInterval", FixSyntax.TimeSpanFromSeconds(generator, compilation, IntervalSeconds)));
        }

        result.Add(Assign("KeepAliveTimeout", FixSyntax.TimeSpanFromSeconds(generator, compilation, TimeoutSeconds)));
        return result;
    }

    // new ClientWebSocket { Options = { KeepAliveInterval = ..., KeepAliveTimeout = ... } }
    private static async Task<Document> AddToSocketInitializerAsync(Document document, BaseObjectCreationExpressionSyntax creation, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var compilation = editor.SemanticModel.Compilation;
        var initializer = creation.Initializer;
        var optionsAssignment = initializer?.Expressions.OfType<AssignmentExpressionSyntax>()
            .FirstOrDefault(a => a.Left is IdentifierNameSyntax { Identifier.ValueText: "Options" } && a.Right is InitializerExpressionSyntax);

        BaseObjectCreationExpressionSyntax newCreation;
        if (optionsAssignment is { Right: InitializerExpressionSyntax nested })
        {
            var added = KeepAliveAssignments(editor.Generator, compilation, hasInterval, nested);
            var newNested = nested.AddExpressions(added.ToArray());
            newCreation = creation.ReplaceNode(nested, newNested);
        }
        else
        {
            var nestedInitializer = SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SeparatedList(KeepAliveAssignments(editor.Generator, compilation, hasInterval, null)));
            var optionsInit = SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName("Options"), nestedInitializer);
            newCreation = initializer is null
                ? WithInitializer(creation, SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SingletonSeparatedList<ExpressionSyntax>(optionsInit)))
                : creation.WithInitializer(initializer.AddExpressions(optionsInit));
        }

        editor.ReplaceNode(creation, FixSyntax.Annotate(newCreation));
        return editor.GetChangedDocument();
    }

    // new WebSocketCreationOptions { ..., KeepAliveInterval = ..., KeepAliveTimeout = ... }
    private static async Task<Document> AddToInitializerAsync(Document document, BaseObjectCreationExpressionSyntax creation, bool hasInterval, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var added = KeepAliveAssignments(editor.Generator, editor.SemanticModel.Compilation, hasInterval, creation.Initializer);
        var newCreation = creation.Initializer is null
            ? WithInitializer(creation, SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SeparatedList(added)))
            : creation.WithInitializer(creation.Initializer.AddExpressions(added.ToArray()));
        editor.ReplaceNode(creation, FixSyntax.Annotate(newCreation));
        return editor.GetChangedDocument();
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
        var compilation = editor.SemanticModel.Compilation;
        var optionsType = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Builder.WebSocketOptions");
        if (optionsType is null)
        {
            return document;
        }

        var creation = SyntaxFactory.ObjectCreationExpression(FixSyntax.Type(editor.Generator, optionsType))
            .WithArgumentList(null)
            .WithInitializer(SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SeparatedList(KeepAliveAssignments(editor.Generator, compilation, hasInterval: false, existing: null))));
        var newInvocation = invocation.WithArgumentList(invocation.ArgumentList.AddArguments(SyntaxFactory.Argument(creation)));
        editor.ReplaceNode(invocation, FixSyntax.Annotate(newInvocation));
        return editor.GetChangedDocument();
    }
}
