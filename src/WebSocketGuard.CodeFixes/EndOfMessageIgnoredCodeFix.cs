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
using Microsoft.CodeAnalysis.Simplification;
using WebSocketGuard.Analyzers;
using A = WebSocketGuard.Analyzers.EndOfMessageIgnoredAnalyzer;
using ReaderPlan = WebSocketGuard.CodeFixes.EndOfMessageReaderPlan;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1008: after the receive, keep receiving into the rest of the same array until EndOfMessage,
/// closing with <c>MessageTooBig</c> when the array is full, and use the total length where the code read <c>Count</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EndOfMessageIgnoredCodeFix)), Shared]
public sealed class EndOfMessageIgnoredCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1008.ReceiveWholeMessage";
    public const string ReaderEquivalenceKey = "WSG1008.WebSocketMessageReader";
    private const string LengthName = "messageLength";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.EndOfMessageIgnored);

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
            // The chunk is decoded in another method, which would still read the last receive's Count: no exact rewrite here.
            if (diagnostic.Properties.TryGetValue(A.DecodedInCalleeProperty, out var inCallee) && inCallee == "true")
            {
                continue;
            }

            var canReturn = diagnostic.Properties.TryGetValue(A.CanReturnProperty, out var r) && r == "true";
            var receive = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (receive is not null && Plan(receive, model, context.CancellationToken) is { } plan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Receive until EndOfMessage", ct => ApplyAsync(context.Document, plan, canReturn, ct), EquivalenceKey),
                    diagnostic);
            }

            if (receive is not null && ReaderPlan.TryCreate(receive, model, context.CancellationToken) is { } readerPlan)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Read whole messages with WebSocketMessageReader", ct => ReaderPlan.ApplyAsync(context.Document, readerPlan, ct), ReaderEquivalenceKey),
                    diagnostic);
            }
        }
    }

    private sealed class FixPlan
    {
        public FixPlan(LocalDeclarationStatementSyntax statement, string result, ExpressionSyntax socket, ExpressionSyntax buffer, ArgumentSyntax? token, bool memoryOverload)
        {
            Statement = statement;
            Result = result;
            Socket = socket;
            Buffer = buffer;
            Token = token;
            MemoryOverload = memoryOverload;
        }

        public LocalDeclarationStatementSyntax Statement { get; }

        public string Result { get; }

        public ExpressionSyntax Socket { get; }

        public ExpressionSyntax Buffer { get; }

        public ArgumentSyntax? Token { get; }

        public bool MemoryOverload { get; }
    }

    // 'var result = await socket.ReceiveAsync(B | new ArraySegment<byte>(B) | B.AsMemory(), token);' with B a byte[] variable,
    // directly in a block, and no 'messageLength' anywhere in the member.
    private static FixPlan? Plan(InvocationExpressionSyntax receive, SemanticModel model, CancellationToken cancellationToken)
    {
        if (receive.Expression is not MemberAccessExpressionSyntax { Expression: var socket }
            || !IsStable(socket)
            || receive.Parent is not AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1, Parent: BlockSyntax } statement
            || receive.ArgumentList.Arguments.Count is < 1 or > 2)
        {
            return null;
        }

        var buffer = receive.ArgumentList.Arguments[0].Expression switch
        {
            ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } args } => args[0].Expression,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsMemory", Expression: var array }, ArgumentList.Arguments.Count: 0 } => array,
            var plain => plain,
        };
        if (!IsStable(buffer)
            || model.GetTypeInfo(buffer, cancellationToken).Type is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte }
            || model.GetSymbolInfo(receive, cancellationToken).Symbol is not IMethodSymbol method)
        {
            return null;
        }

        // A later receive into the same variable would make 'Count' mean that receive again.
        var block = (BlockSyntax)statement.Parent!;
        var resultName = declarator.Identifier.ValueText;
        if (block.Statements.SkipWhile(s => s != statement).Skip(1).Any(s => s.DescendantNodes().OfType<AssignmentExpressionSyntax>()
                .Any(a => a.Left is IdentifierNameSyntax { Identifier.ValueText: var assigned } && assigned == resultName)))
        {
            return null;
        }

        var member = statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or CompilationUnitSyntax);
        if (member is null || member.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == LengthName))
        {
            return null;
        }

        var memory = model.Compilation.GetTypeByMetadataName("System.Memory`1");
        var memoryOverload = method.Parameters.Length > 0 && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type.OriginalDefinition, memory);
        var token = receive.ArgumentList.Arguments.Count == 2 ? receive.ArgumentList.Arguments[1] : null;
        return new FixPlan(statement, declarator.Identifier.ValueText, socket, buffer, token, memoryOverload);
    }

    private static bool IsStable(ExpressionSyntax expression)
        => expression switch
        {
            IdentifierNameSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsStable(member.Expression),
            _ => false,
        };

    private static async Task<Document> ApplyAsync(Document document, FixPlan plan, bool canReturn, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var compilation = editor.SemanticModel.Compilation;
        var closeStatus = compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketCloseStatus");
        var segment = compilation.GetTypeByMetadataName("System.ArraySegment`1");
        var invalidData = compilation.GetTypeByMetadataName("System.IO.InvalidDataException");
        if (closeStatus is null || segment is null || invalidData is null)
        {
            return document;
        }

        var generator = editor.Generator;
        var result = SyntaxFactory.IdentifierName(plan.Result);
        var length = SyntaxFactory.IdentifierName(LengthName);
        var buffer = plan.Buffer.WithoutTrivia();
        var bufferLength = Member(buffer, "Length");

        // Where the code read result.Count after the receive, it now means the whole message.
        var block = (BlockSyntax)plan.Statement.Parent!;
        foreach (var statement in block.Statements.SkipWhile(s => s != plan.Statement).Skip(1))
        {
            foreach (var count in statement.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
                .Where(m => m.Name.Identifier.ValueText == "Count" && m.Expression is IdentifierNameSyntax { Identifier.ValueText: var name } && name == plan.Result))
            {
                editor.ReplaceNode(count, length.WithTriviaFrom(count));
            }
        }

        var rest = plan.MemoryOverload
            ? (ExpressionSyntax)generator.InvocationExpression(Member(buffer, "AsMemory"), length)
            : (ExpressionSyntax)generator.ObjectCreationExpression(
                generator.TypeExpression(segment.Construct(compilation.GetSpecialType(SpecialType.System_Byte)), addImport: true),
                buffer,
                length,
                SyntaxFactory.BinaryExpression(SyntaxKind.SubtractExpression, bufferLength, length));
        var receiveArguments = plan.Token is null
            ? new[] { SyntaxFactory.Argument(rest) }
            : new[] { SyntaxFactory.Argument(rest), plan.Token.WithoutTrivia() };
        var receiveMore = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            result,
            SyntaxFactory.AwaitExpression(SyntaxFactory.InvocationExpression(
                Member(plan.Socket.WithoutTrivia(), "ReceiveAsync"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(receiveArguments))))));

        var closeArguments = new[]
        {
            SyntaxFactory.Argument(FixSyntax.StaticMember(generator, closeStatus, "MessageTooBig")),
            SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal("Message too big"))),
        };
        var close = SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(SyntaxFactory.InvocationExpression(
            Member(plan.Socket.WithoutTrivia(), "CloseOutputAsync"),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(plan.Token is null ? closeArguments : closeArguments.Append(plan.Token.WithoutTrivia()))))));
        StatementSyntax leave = canReturn
            ? SyntaxFactory.ReturnStatement()
            : SyntaxFactory.ThrowStatement((ExpressionSyntax)generator.ObjectCreationExpression(
                generator.TypeExpression(invalidData, addImport: true),
                SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal("Message too big"))));

        var declareLength = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
            SyntaxFactory.IdentifierName("var"),
            SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(LengthName))
                .WithInitializer(SyntaxFactory.EqualsValueClause(Member(result, "Count"))))));
        var loop = SyntaxFactory.WhileStatement(
            SyntaxFactory.PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, Member(result, "EndOfMessage")),
            SyntaxFactory.Block(
                SyntaxFactory.IfStatement(
                    SyntaxFactory.BinaryExpression(SyntaxKind.EqualsExpression, length, bufferLength),
                    SyntaxFactory.Block(close, leave)),
                receiveMore,
                SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
                    SyntaxKind.AddAssignmentExpression, length, Member(result, "Count")))));

        editor.InsertAfter(plan.Statement, new SyntaxNode[] { FixSyntax.Annotate(declareLength), FixSyntax.Annotate(loop).WithAdditionalAnnotations(Simplifier.AddImportsAnnotation) });
        return editor.GetChangedDocument();
    }

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));
}
