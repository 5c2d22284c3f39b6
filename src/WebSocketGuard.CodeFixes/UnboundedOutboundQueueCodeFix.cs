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
using A = WebSocketGuard.Analyzers.UnboundedOutboundQueueAnalyzer;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1004: bounds the queue at the registry default of 1,024 messages — <c>Channel.CreateBounded</c> with a single
/// reader and an explicit <c>FullMode = Wait</c>, or a <c>BlockingCollection</c> with a bounded capacity. With the runtime
/// referenced, a second action replaces a channel and its send loop with a <c>WebSocketSender</c> where that maps exactly
/// (see <see cref="UnboundedOutboundQueueSenderPlan"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnboundedOutboundQueueCodeFix)), Shared]
public sealed class UnboundedOutboundQueueCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1004.BoundOutboundQueue";
    public const string SenderEquivalenceKey = "WSG1004.WebSocketSender";
    private const int Capacity = 1024;

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.UnboundedOutboundQueue);

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
            diagnostic.Properties.TryGetValue(A.KindProperty, out var kind);
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (kind == A.KindChannel
                && node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax { TypeArgumentList.Arguments.Count: 1 } } } invocation
                && UnboundedOptions(invocation) is { } copied)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Use a bounded channel (1,024 messages)", ct => BoundChannelAsync(context.Document, invocation, copied, ct), EquivalenceKey),
                    diagnostic);
            }

            if (kind == A.KindChannel
                && node is InvocationExpressionSyntax creation
                && UnboundedOutboundQueueSenderPlan.TryCreate(creation, model, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Send through a WebSocketSender (1,024 messages, drop the newest when full)", ct => plan.ApplyAsync(context.Document, ct), SenderEquivalenceKey),
                    diagnostic);
            }

            if (kind == A.KindBlockingCollection && node is ObjectCreationExpressionSyntax collection)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Bound the collection (1,024 messages)", ct => BoundCollectionAsync(context.Document, collection, ct), EquivalenceKey),
                    diagnostic);
            }
        }
    }

    // The settings of "new UnboundedChannelOptions { ... }" to keep; null when the options cannot be read.
    private static List<AssignmentExpressionSyntax>? UnboundedOptions(InvocationExpressionSyntax invocation)
    {
        var arguments = invocation.ArgumentList.Arguments;
        if (arguments.Count == 0)
        {
            return new List<AssignmentExpressionSyntax>();
        }

        if (arguments.Count != 1 || arguments[0].Expression is not ObjectCreationExpressionSyntax options || options.ArgumentList?.Arguments.Count > 0)
        {
            return null;
        }

        var kept = new List<AssignmentExpressionSyntax>();
        foreach (var expression in options.Initializer?.Expressions ?? default)
        {
            if (expression is not AssignmentExpressionSyntax { Left: IdentifierNameSyntax name } assignment)
            {
                return null;
            }

            if (name.Identifier.ValueText is not ("SingleReader" or "FullMode"))
            {
                kept.Add(assignment.WithoutTrivia());
            }
        }

        return kept;
    }

    private static async Task<Document> BoundChannelAsync(Document document, InvocationExpressionSyntax invocation, List<AssignmentExpressionSyntax> kept, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var compilation = editor.SemanticModel.Compilation;
        var optionsType = compilation.GetTypeByMetadataName("System.Threading.Channels.BoundedChannelOptions");
        var fullMode = compilation.GetTypeByMetadataName("System.Threading.Channels.BoundedChannelFullMode");
        if (optionsType is null || fullMode is null || invocation.Expression is not MemberAccessExpressionSyntax access)
        {
            return document;
        }

        var settings = new List<ExpressionSyntax>
        {
            Assign("SingleReader", SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression)),
            Assign("FullMode", FixSyntax.StaticMember(editor.Generator, fullMode, "Wait")),
        };
        settings.InsertRange(0, kept);
        var options = SyntaxFactory.ObjectCreationExpression(FixSyntax.Type(editor.Generator, optionsType))
            .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(Capacity))))))
            .WithInitializer(SyntaxFactory.InitializerExpression(SyntaxKind.ObjectInitializerExpression, SyntaxFactory.SeparatedList(settings)));
        var bounded = invocation
            .WithExpression(access.WithName(((GenericNameSyntax)access.Name).WithIdentifier(SyntaxFactory.Identifier("CreateBounded"))))
            .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(options))));
        editor.ReplaceNode(invocation, FixSyntax.Annotate(bounded).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.AddImportsAnnotation));
        return editor.GetChangedDocument();
    }

    private static async Task<Document> BoundCollectionAsync(Document document, ObjectCreationExpressionSyntax creation, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var capacity = SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(Capacity)))
            .WithNameColon(SyntaxFactory.NameColon("boundedCapacity"));
        var bounded = creation.WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(capacity)));
        editor.ReplaceNode(creation, FixSyntax.Annotate(bounded.WithTriviaFrom(creation)));
        return editor.GetChangedDocument();
    }

    private static AssignmentExpressionSyntax Assign(string property, ExpressionSyntax value)
        => SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(property), value);
}
