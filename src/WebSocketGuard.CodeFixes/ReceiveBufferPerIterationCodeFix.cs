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
using Microsoft.CodeAnalysis.Formatting;
using WebSocketGuard.Analyzers;

namespace WebSocketGuard.CodeFixes;

/// <summary>WSG1013: moves the buffer's declaration out of the receive loop, just before it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReceiveBufferPerIterationCodeFix)), Shared]
public sealed class ReceiveBufferPerIterationCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1013.HoistBuffer";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.ReceiveBufferPerIteration);

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
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (FindHoist(node) is not { } hoist)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Allocate the buffer once, before the loop",
                    ct => HoistAsync(context.Document, hoist.Declaration, hoist.Loop, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    // 'var buffer = new byte[n];' whose nearest loop (or lambda) is the loop to leave, which itself sits in a block,
    // and no other variable of the member has the buffer's name (it would clash once the scope widens).
    private static (LocalDeclarationStatementSyntax Declaration, StatementSyntax Loop)? FindHoist(SyntaxNode allocation)
    {
        // Through 'new ArraySegment<byte>(new byte[n])' or '.AsMemory()' up to the variable's initializer.
        var value = allocation;
        while (value.Parent is ArgumentSyntax or ArgumentListSyntax or BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax
               or MemberAccessExpressionSyntax or ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            value = value.Parent;
        }

        if (value.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax declaration
            || declaration.Declaration.Variables.Count != 1
            || declaration.UsingKeyword != default
            || declaration.IsConst
            || declaration.Parent is not BlockSyntax)
        {
            return null;
        }

        var boundary = declaration.Ancestors().FirstOrDefault(a => a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax);
        if (boundary is not StatementSyntax loop || loop.Parent is not (BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax))
        {
            return null;
        }

        var scope = (SyntaxNode?)loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax)
            ?? loop.SyntaxTree.GetRoot();
        var name = declarator.Identifier.ValueText;
        var sameName = scope.DescendantNodes().Count(n =>
            (n is VariableDeclaratorSyntax v && v.Identifier.ValueText == name)
            || (n is SingleVariableDesignationSyntax d && d.Identifier.ValueText == name)
            || (n is ParameterSyntax p && p.Identifier.ValueText == name)
            || (n is ForEachStatementSyntax f && f.Identifier.ValueText == name));
        return sameName == 1 ? (declaration, loop) : null;
    }

    // Out of every enclosing loop of the same function whose variables the initializer does not use:
    // a buffer inside a fragment loop inside a message loop goes before the message loop.
    private static StatementSyntax OutermostLoopFor(LocalDeclarationStatementSyntax declaration, StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken)
    {
        var initializer = declaration.Declaration.Variables[0].Initializer;
        if (initializer is null)
        {
            return loop;
        }

        var current = loop;
        while (current.Parent is BlockSyntax or SwitchSectionSyntax
               && current.Ancestors().FirstOrDefault(IsLoopOrFunction) is StatementSyntax outer and not LocalFunctionStatementSyntax
               && outer.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax
               && !UsesVariablesOf(initializer, outer, model, cancellationToken))
        {
            current = outer;
        }

        return current;
    }

    private static bool IsLoopOrFunction(SyntaxNode node)
        => node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax;

    private static bool UsesVariablesOf(SyntaxNode initializer, StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var name in initializer.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                && local.DeclaringSyntaxReferences.Any(r => loop.Span.Contains(r.Span)))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Document> HoistAsync(Document document, LocalDeclarationStatementSyntax declaration, StatementSyntax loop, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        loop = OutermostLoopFor(declaration, loop, editor.SemanticModel, cancellationToken);
        var moved = declaration.WithoutLeadingTrivia().WithAdditionalAnnotations(Formatter.Annotation);
        editor.RemoveNode(declaration, SyntaxRemoveOptions.KeepNoTrivia);
        if (loop.Parent is GlobalStatementSyntax global)
        {
            editor.InsertBefore(global, SyntaxFactory.GlobalStatement(moved));
        }
        else
        {
            editor.InsertBefore(loop, moved);
        }

        return editor.GetChangedDocument();
    }
}
