using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1008 with the runtime referenced: a receive loop becomes one that reads whole messages with a
/// <c>WebSocketMessageReader</c> created before the loop. Offered only when every use of the result and the buffer
/// in the loop has an exact equivalent on the message.
/// </summary>
internal sealed class EndOfMessageReaderPlan
{
    private const string ReaderType = "WebSocketGuard.WebSocketMessageReader";
    private const string ReaderName = "reader";
    private const string MessageName = "message";

    private EndOfMessageReaderPlan(WhileStatementSyntax loop, LocalDeclarationStatementSyntax receiveStatement, LocalDeclarationStatementSyntax? bufferDeclaration, ExpressionSyntax socket, ArgumentSyntax? token, Dictionary<SyntaxNode, ExpressionSyntax> replacements)
    {
        Loop = loop;
        BufferDeclaration = bufferDeclaration;
        ReceiveStatement = receiveStatement;
        Socket = socket;
        Token = token;
        Replacements = replacements;
    }

    private WhileStatementSyntax Loop { get; }

    private LocalDeclarationStatementSyntax ReceiveStatement { get; }

    // 'var buffer = new byte[n];' next to the loop, dead once the loop reads messages.
    private LocalDeclarationStatementSyntax? BufferDeclaration { get; }

    private ExpressionSyntax Socket { get; }

    private ArgumentSyntax? Token { get; }

    private Dictionary<SyntaxNode, ExpressionSyntax> Replacements { get; }

    // 'while (...) { var result = await socket.ReceiveAsync(buffer-ish[, token]); ... }' with socket and buffer locals or parameters.
    public static EndOfMessageReaderPlan? TryCreate(InvocationExpressionSyntax receive, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (compilation.GetTypeByMetadataName(ReaderType) is not { DeclaredAccessibility: Accessibility.Public }
            || receive.SyntaxTree.Options is not CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            || receive.Expression is not MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax socket }
            || receive.Parent is not AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1, UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } statement
            || statement.Parent is not BlockSyntax { Parent: WhileStatementSyntax { Parent: BlockSyntax } loop }
            || receive.ArgumentList.Arguments.Count is < 1 or > 2
            || receive.ArgumentList.Arguments.Any(a => a.NameColon is not null))
        {
            return null;
        }

        var bufferExpression = receive.ArgumentList.Arguments[0].Expression switch
        {
            ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } args, Initializer: null } => args[0].Expression,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsMemory", Expression: var array }, ArgumentList.Arguments.Count: 0 } => array,
            var plain => plain,
        };
        var webSocket = compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocket");
        var socketSymbol = model.GetSymbolInfo(socket, cancellationToken).Symbol;
        var bufferSymbol = model.GetSymbolInfo(bufferExpression, cancellationToken).Symbol;
        if (webSocket is null
            || socketSymbol is not (ILocalSymbol or IParameterSymbol)
            || !IsWebSocket(TypeOf(socketSymbol), webSocket)
            || bufferExpression is not IdentifierNameSyntax
            || bufferSymbol is not (ILocalSymbol or IParameterSymbol)
            || TypeOf(bufferSymbol) is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte }
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol resultSymbol)
        {
            return null;
        }

        // The new names must not clash with anything in the member. The member receives only here (so a fix-all never
        // declares two readers in one scope), the loop keeps its socket, and nothing outside the loop reads the buffer.
        var member = loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or CompilationUnitSyntax);
        if (member is null
            || member.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText is ReaderName or MessageName)
            || member.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(i => i != receive
                && i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ReceiveAsync" or "Receive" })
            || loop.DescendantNodes().Any(n => IsWrite(n, socketSymbol, model, cancellationToken))
            || member.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => !loop.Span.Contains(n.Span)
                && n.Identifier.ValueText == bufferExpression.ToString()
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, bufferSymbol)))
        {
            return null;
        }

        var references = loop.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => !statement.Span.Contains(n.Span));
        var replacements = MapToMessage(references, bufferSymbol, resultSymbol, SyntaxFactory.IdentifierName(MessageName), model, cancellationToken);
        if (replacements is null || replacements.Count == 0)
        {
            return null;
        }

        var token = receive.ArgumentList.Arguments.Count == 2 ? receive.ArgumentList.Arguments[1] : null;
        var bufferDeclaration = BufferDeclarationBeside(bufferSymbol, loop, cancellationToken);
        return new EndOfMessageReaderPlan(loop, statement, bufferDeclaration, socket, token, replacements);
    }

    /// <summary>
    /// What each use of the receive result and buffer among <paramref name="references"/> becomes on a whole message
    /// (<c>GetString(buffer, 0, result.Count)</c> → <c>message.GetText()</c>, read-only slices → the payload, <c>Count</c>,
    /// <c>MessageType</c>, the Close test → <c>IsClose</c>); null when some use has no exact equivalent.
    /// </summary>
    internal static Dictionary<SyntaxNode, ExpressionSyntax>? MapToMessage(IEnumerable<IdentifierNameSyntax> references, ISymbol bufferSymbol, ILocalSymbol resultSymbol, ExpressionSyntax message, SemanticModel model, CancellationToken cancellationToken)
    {
        var replacements = new Dictionary<SyntaxNode, ExpressionSyntax>();
        var consumedCounts = new HashSet<SyntaxNode>();
        var compilation = model.Compilation;
        var encoding = compilation.GetTypeByMetadataName("System.Text.Encoding");
        var messageType = compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketMessageType");
        if (encoding is null || messageType is null)
        {
            return null;
        }

        var resolved = references
            .Select(n => (Node: n, Symbol: model.GetSymbolInfo(n, cancellationToken).Symbol))
            .ToList();

        // The buffer: only as the received slice, in a form the message has exactly.
        foreach (var (node, _) in resolved.Where(r => SymbolEqualityComparer.Default.Equals(r.Symbol, bufferSymbol)))
        {
            if (node.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Arguments: { Count: 3 } args, Parent: InvocationExpressionSyntax getString } }
                && args[0].Expression == node
                && args.All(a => a.NameColon is null && a.RefKindKeyword.RawKind == 0)
                && args[1].Expression is LiteralExpressionSyntax { Token.Value: 0 }
                && IsCountOf(args[2].Expression, resultSymbol, model, cancellationToken)
                && model.GetSymbolInfo(getString, cancellationToken).Symbol is IMethodSymbol { Name: "GetString" } getStringMethod
                && IsOrDerives(getStringMethod.ContainingType, encoding)
                && getString.Expression is MemberAccessExpressionSyntax { Expression: var encodingExpression }
                && model.GetSymbolInfo(encodingExpression, cancellationToken).Symbol is IPropertySymbol { Name: "UTF8", IsStatic: true } utf8
                && SymbolEqualityComparer.Default.Equals(utf8.ContainingType, encoding))
            {
                replacements[getString] = Invoke(Member(message, "GetText"));
                consumedCounts.Add(args[2].Expression);
                continue;
            }

            if (node.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsSpan" or "AsMemory" } slice
                && slice.Expression == node
                && slice.Parent is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 2 } sliceArgs } sliceCall
                && sliceArgs.All(a => a.NameColon is null)
                && sliceArgs[0].Expression is LiteralExpressionSyntax { Token.Value: 0 }
                && IsCountOf(sliceArgs[1].Expression, resultSymbol, model, cancellationToken)
                && model.GetTypeInfo(sliceCall, cancellationToken).ConvertedType is INamedTypeSymbol { IsGenericType: true } converted
                && converted.TypeArguments[0].SpecialType == SpecialType.System_Byte)
            {
                // The payload is read-only: only where the slice is used as read-only does it mean the same.
                var wanted = slice.Name.Identifier.ValueText == "AsSpan" ? "System.ReadOnlySpan`1" : "System.ReadOnlyMemory`1";
                if (!SymbolEqualityComparer.Default.Equals(converted.OriginalDefinition, compilation.GetTypeByMetadataName(wanted)))
                {
                    return null;
                }

                replacements[sliceCall] = slice.Name.Identifier.ValueText == "AsSpan" ? Member(Member(message, "Payload"), "Span") : Member(message, "Payload");
                consumedCounts.Add(sliceArgs[1].Expression);
                continue;
            }

            return null;
        }

        // The result: Count, MessageType (and the Close test).
        foreach (var (node, _) in resolved.Where(r => SymbolEqualityComparer.Default.Equals(r.Symbol, resultSymbol)))
        {
            if (node.Parent is not MemberAccessExpressionSyntax access || access.Expression != node)
            {
                return null;
            }

            if (consumedCounts.Contains(access))
            {
                continue;
            }

            switch (access.Name.Identifier.ValueText)
            {
                case "Count":
                    replacements[access] = Member(Member(message, "Payload"), "Length");
                    break;
                case "MessageType":
                    if (access.Parent is BinaryExpressionSyntax binary && binary.IsKind(SyntaxKind.EqualsExpression)
                        && IsCloseMember(binary.Left == access ? binary.Right : binary.Left, messageType, model, cancellationToken))
                    {
                        replacements[binary] = Member(message, "IsClose");
                    }
                    else
                    {
                        replacements[access] = Member(message, "MessageType");
                    }

                    break;
                default:
                    return null;
            }
        }

        return replacements;
    }

    public static async Task<Document> ApplyAsync(Document document, EndOfMessageReaderPlan plan, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var syntax = new FixSyntax(model, plan.Loop.SpanStart);
        var readerType = syntax.Type(ReaderType);

        var read = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
            SyntaxFactory.IdentifierName("var"),
            SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(MessageName))
                .WithInitializer(SyntaxFactory.EqualsValueClause(SyntaxFactory.AwaitExpression(SyntaxFactory.InvocationExpression(
                    Member(SyntaxFactory.IdentifierName(ReaderName), "ReadAsync"),
                    SyntaxFactory.ArgumentList(plan.Token is null
                        ? default
                        : SyntaxFactory.SingletonSeparatedList(plan.Token.WithoutTrivia())))))))))
            .WithTriviaFrom(plan.ReceiveStatement);

        var nodes = plan.Replacements.Keys.Cast<SyntaxNode>().Append(plan.ReceiveStatement);
        var newLoop = plan.Loop.ReplaceNodes(nodes, (original, _) => original == plan.ReceiveStatement
            ? read
            : plan.Replacements[original].WithTriviaFrom(original));

        var createReader = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
                SyntaxFactory.IdentifierName("var"),
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(ReaderName))
                    .WithInitializer(SyntaxFactory.EqualsValueClause(SyntaxFactory.ObjectCreationExpression(
                        readerType,
                        SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(plan.Socket.WithoutTrivia()))),
                        null))))))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithLeadingTrivia(plan.Loop.GetLeadingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);

        var block = (BlockSyntax)plan.Loop.Parent!;
        var index = block.Statements.IndexOf(plan.Loop);
        var bufferIndex = plan.BufferDeclaration is null ? -1 : block.Statements.IndexOf(plan.BufferDeclaration);
        if (bufferIndex == index - 1)
        {
            createReader = createReader.WithLeadingTrivia(plan.BufferDeclaration!.GetLeadingTrivia());
        }

        var statements = block.Statements.RemoveAt(index).InsertRange(index, new StatementSyntax[] { createReader, newLoop });
        if (bufferIndex >= 0 && bufferIndex < index)
        {
            statements = statements.RemoveAt(bufferIndex);
        }

        document = document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(statements)));
        return await syntax.FinishAsync(document, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>'var buffer = new byte[n];' in the same block as the loop, which can go once nothing reads the buffer.</summary>
    internal static LocalDeclarationStatementSyntax? BufferDeclarationBeside(ISymbol bufferSymbol, StatementSyntax loop, CancellationToken cancellationToken)
        => bufferSymbol.DeclaringSyntaxReferences.Length == 1
            && bufferSymbol.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is VariableDeclaratorSyntax
            {
                Initializer.Value: ArrayCreationExpressionSyntax { Initializer: null, Type.RankSpecifiers: { Count: 1 } ranks },
                Parent.Parent: LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1, UsingKeyword.RawKind: 0 } declaration,
            }
            && ranks[0].Sizes.Count == 1
            && ranks[0].Sizes[0] is LiteralExpressionSyntax or IdentifierNameSyntax
            && declaration.Parent == loop.Parent
            ? declaration
            : null;

    internal static ITypeSymbol? TypeOf(ISymbol symbol)
        => symbol switch
        {
            ILocalSymbol local => local.Type,
            IParameterSymbol parameter => parameter.Type,
            _ => null,
        };

    internal static bool IsWebSocket(ITypeSymbol? type, INamedTypeSymbol webSocket)
        => type is INamedTypeSymbol named && IsOrDerives(named, webSocket);

    private static bool IsOrDerives(INamedTypeSymbol? type, INamedTypeSymbol baseType)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCountOf(ExpressionSyntax? expression, ILocalSymbol result, SemanticModel model, CancellationToken cancellationToken)
        => expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Count", Expression: IdentifierNameSyntax owner }
           && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(owner, cancellationToken).Symbol, result);

    internal static bool IsCloseMember(ExpressionSyntax expression, INamedTypeSymbol messageType, SemanticModel model, CancellationToken cancellationToken)
        => model.GetSymbolInfo(expression, cancellationToken).Symbol is IFieldSymbol { Name: "Close" } field
           && SymbolEqualityComparer.Default.Equals(field.ContainingType, messageType);

    // An assignment, increment, ref or out of the symbol.
    internal static bool IsWrite(SyntaxNode node, ISymbol symbol, SemanticModel model, CancellationToken cancellationToken)
    {
        ExpressionSyntax? target = node switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left,
            ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument => argument.Expression,
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } prefix => prefix.Operand,
            PostfixUnaryExpressionSyntax postfix => postfix.Operand,
            _ => null,
        };
        return target is IdentifierNameSyntax identifier
            && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol);
    }

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));

    private static InvocationExpressionSyntax Invoke(ExpressionSyntax target)
        => SyntaxFactory.InvocationExpression(target);
}
