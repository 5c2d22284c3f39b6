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
/// WSG1006: before the repeated <c>ConnectAsync</c>, disposes the old socket and assigns a new one, made the way the
/// original was (its creation expression and the <c>Options</c> statements that follow it). Not offered when the
/// socket cannot be reassigned (a <c>using</c> local, a readonly field, a parameter) or is configured elsewhere.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ClientWebSocketReusedCodeFix)), Shared]
public sealed class ClientWebSocketReusedCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1006.NewSocketPerAttempt";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ClientWebSocketReused);

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax connect
                && Plan(model, connect, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Create a new ClientWebSocket for this attempt", ct => ApplyAsync(context.Document, plan, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(StatementSyntax attempt, ExpressionSyntax socket, bool mayBeNull, ExpressionSyntax creation, IReadOnlyList<StatementSyntax> configuration)
        {
            Attempt = attempt;
            Socket = socket;
            MayBeNull = mayBeNull;
            Creation = creation;
            Configuration = configuration;
        }

        public StatementSyntax Attempt { get; }
        public ExpressionSyntax Socket { get; }
        public bool MayBeNull { get; }
        public ExpressionSyntax Creation { get; }
        public IReadOnlyList<StatementSyntax> Configuration { get; }
    }

    private static FixPlan? Plan(SemanticModel model, InvocationExpressionSyntax connect, CancellationToken cancellationToken)
    {
        if (connect.Expression is not MemberAccessExpressionSyntax { Expression: var socketExpression }
            || connect.FirstAncestorOrSelf<StatementSyntax>() is not ExpressionStatementSyntax attempt
            || attempt.Parent is not (BlockSyntax or SwitchSectionSyntax))
        {
            return null;
        }

        var socket = model.GetSymbolInfo(socketExpression, cancellationToken).Symbol;
        ExpressionSyntax? creation;
        StatementSyntax? creationStatement;
        SyntaxNode scope;
        switch (socket)
        {
            case ILocalSymbol local when local.DeclaringSyntaxReferences.Length == 1
                && local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax
                {
                    Initializer.Value: var value,
                    Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax declaration },
                }
                && declaration.UsingKeyword.IsKind(SyntaxKind.None)
                && !declaration.IsConst:
                creation = value;
                creationStatement = declaration;
                scope = (SyntaxNode?)attempt.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? attempt.SyntaxTree.GetRoot(cancellationToken);
                break;

            case IFieldSymbol { IsReadOnly: false, IsConst: false } or IPropertySymbol { SetMethod: not null }:
                if (attempt.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type)
                {
                    return null;
                }

                scope = type;
                (creation, creationStatement) = FindMemberCreation(model, type, socket, cancellationToken);
                break;

            default:
                return null;
        }

        if (creation is null || StripParentheses(creation) is not (BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax))
        {
            return null;
        }

        var configuration = creationStatement is null
            ? new List<StatementSyntax>()
            : FollowingConfiguration(model, creationStatement, socket!, cancellationToken);

        // Options set anywhere else would be lost on the new instance.
        foreach (var options in scope.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
        {
            if (options.Name.Identifier.ValueText == "Options"
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(options.Expression, cancellationToken).Symbol, socket)
                && !creation.Span.Contains(options.Span)
                && !configuration.Any(statement => statement.Span.Contains(options.Span)))
            {
                return null;
            }
        }

        // What the copied code reads must be in scope at the new attempt.
        foreach (var node in configuration.Cast<SyntaxNode>().Prepend(creation))
        {
            foreach (var identifier in node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
                if (symbol is ILocalSymbol or IParameterSymbol
                    && !model.LookupSymbols(attempt.SpanStart, name: symbol.Name).Contains(symbol, SymbolEqualityComparer.Default))
                {
                    return null;
                }
            }
        }

        return new FixPlan(attempt, socketExpression, socket is not ILocalSymbol, creation, configuration);
    }

    // The field or property initializer, or the first 'socket = new ...;' statement in the type.
    private static (ExpressionSyntax? Creation, StatementSyntax? Statement) FindMemberCreation(
        SemanticModel model, TypeDeclarationSyntax type, ISymbol socket, CancellationToken cancellationToken)
    {
        foreach (var reference in socket.DeclaringSyntaxReferences)
        {
            switch (reference.GetSyntax(cancellationToken))
            {
                case VariableDeclaratorSyntax { Initializer.Value: var value }:
                    return (value, null);
                case PropertyDeclarationSyntax { Initializer.Value: var value }:
                    return (value, null);
            }
        }

        foreach (var assignment in type.DescendantNodes().OfType<AssignmentExpressionSyntax>())
        {
            if (assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                && assignment.Parent is ExpressionStatementSyntax statement
                && StripParentheses(assignment.Right) is BaseObjectCreationExpressionSyntax
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol, socket))
            {
                return (assignment.Right, statement);
            }
        }

        return (null, null);
    }

    private static ExpressionSyntax StripParentheses(ExpressionSyntax expression)
    {
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        return expression;
    }

    // Consecutive statements after the creation that configure socket.Options.
    private static List<StatementSyntax> FollowingConfiguration(SemanticModel model, StatementSyntax creationStatement, ISymbol socket, CancellationToken cancellationToken)
    {
        var result = new List<StatementSyntax>();
        if (creationStatement.Parent is not BlockSyntax block)
        {
            return result;
        }

        var index = block.Statements.IndexOf(creationStatement);
        for (var i = index + 1; i < block.Statements.Count; i++)
        {
            var statement = block.Statements[i];
            var configures = statement is ExpressionStatementSyntax
                && statement.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Any(access =>
                    access.Name.Identifier.ValueText == "Options"
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(access.Expression, cancellationToken).Symbol, socket));
            if (!configures)
            {
                break;
            }

            result.Add(statement);
        }

        return result;
    }

    private static async Task<Document> ApplyAsync(Document document, FixPlan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var generator = editor.Generator;
        var socket = plan.Socket.WithoutTrivia();

        ExpressionSyntax dispose = plan.MayBeNull
            ? SyntaxFactory.ConditionalAccessExpression(socket, SyntaxFactory.InvocationExpression(SyntaxFactory.MemberBindingExpression(SyntaxFactory.IdentifierName("Dispose"))))
            : (ExpressionSyntax)generator.InvocationExpression(generator.MemberAccessExpression(socket, "Dispose"));

        var statements = new List<StatementSyntax>
        {
            SyntaxFactory.ExpressionStatement(dispose),
            (StatementSyntax)generator.ExpressionStatement(generator.AssignmentStatement(socket, plan.Creation.WithoutTrivia())),
        };
        statements.AddRange(plan.Configuration.Select(statement => statement
            .WithoutTrivia()
            .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
            .WithTrailingTrivia(SyntaxFactory.ElasticMarker)));

        editor.InsertBefore(plan.Attempt, statements.Select(FixSyntax.Annotate));
        return editor.GetChangedDocument();
    }
}
