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
/// WSG1001 with the runtime referenced: a receive loop becomes
/// <c>await ReceiveLoop.RunAsync(socket, async (message, _) =&gt; { ... }, cancellationToken: token)</c>.
/// The body after the receive becomes the callback, the Close branch goes (ReceiveLoop answers Close), and
/// <c>continue</c> becomes <c>return</c>. Offered only when every use of the result and the buffer maps exactly
/// onto the message (see <see cref="EndOfMessageReaderPlan.MapToMessage"/>) and the body leaves the loop only through the Close branch.
/// </summary>
internal sealed class ReceiveLoopRuntimePlan
{
    private const string ReceiveLoopType = "WebSocketGuard.ReceiveLoop";
    private const string ValueTaskType = "System.Threading.Tasks.ValueTask";
    private static readonly string[] MessageNames = { "message", "received", "incoming" };
    private static readonly string[] TokenNames = { "_", "cancellationToken" };

    private ReceiveLoopRuntimePlan(
        StatementSyntax loop,
        BlockSyntax body,
        int handlerStart,
        LocalDeclarationStatementSyntax? bufferDeclaration,
        ExpressionSyntax socket,
        ExpressionSyntax? token,
        bool configureAwaitFalse,
        Dictionary<SyntaxNode, ExpressionSyntax> replacements,
        List<ContinueStatementSyntax> continues,
        string messageName,
        string tokenName,
        bool isAsync)
    {
        Loop = loop;
        Body = body;
        HandlerStart = handlerStart;
        BufferDeclaration = bufferDeclaration;
        Socket = socket;
        Token = token;
        ConfigureAwaitFalse = configureAwaitFalse;
        Replacements = replacements;
        Continues = continues;
        MessageName = messageName;
        TokenName = tokenName;
        IsAsync = isAsync;
    }

    private StatementSyntax Loop { get; }

    private BlockSyntax Body { get; }

    // Index of the first body statement that handles the message (after the receive and the Close branch).
    private int HandlerStart { get; }

    private LocalDeclarationStatementSyntax? BufferDeclaration { get; }

    private ExpressionSyntax Socket { get; }

    private ExpressionSyntax? Token { get; }

    private bool ConfigureAwaitFalse { get; }

    private Dictionary<SyntaxNode, ExpressionSyntax> Replacements { get; }

    private List<ContinueStatementSyntax> Continues { get; }

    private string MessageName { get; }

    private string TokenName { get; }

    private bool IsAsync { get; }

    /// <summary>
    /// <c>while|do (own condition) { var result = await socket.ReceiveAsync(buffer, token)[.ConfigureAwait(false)]; [Close branch] handling }</c>
    /// with the loop starting at <paramref name="loopStart"/>; null for any shape that cannot be rewritten exactly.
    /// </summary>
    public static ReceiveLoopRuntimePlan? TryCreate(InvocationExpressionSyntax receive, int loopStart, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (compilation.GetTypeByMetadataName(ReceiveLoopType) is not { DeclaredAccessibility: Accessibility.Public } receiveLoop
            || !receiveLoop.GetMembers("RunAsync").Any(m => m is IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public })
            || compilation.GetTypeByMetadataName(ValueTaskType) is null
            || compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocket") is not { } webSocket
            || receive.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ReceiveAsync", Expression: var socket }
            || receive.ArgumentList.Arguments.Count != 2
            || receive.ArgumentList.Arguments.Any(a => a.NameColon is not null || !a.RefKindKeyword.IsKind(SyntaxKind.None))
            || model.GetSymbolInfo(receive, cancellationToken).Symbol is not IMethodSymbol { IsStatic: false } receiveMethod
            || !EndOfMessageReaderPlan.IsWebSocket(receiveMethod.ContainingType, webSocket))
        {
            return null;
        }

        // 'var result = await socket.ReceiveAsync(...)[.ConfigureAwait(false)];' first in the body of the reported loop.
        ExpressionSyntax awaited = receive;
        var configureAwaitFalse = false;
        if (receive.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure
            && configure.Parent is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } configureArgs } configured
            && configureArgs[0].Expression.IsKind(SyntaxKind.FalseLiteralExpression))
        {
            awaited = configured;
            configureAwaitFalse = true;
        }

        if (awaited.Parent is not AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }
            || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1, UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } receiveStatement
            || receiveStatement.Parent is not BlockSyntax { Parent: WhileStatementSyntax or DoStatementSyntax } body
            || body.Statements[0] != receiveStatement
            || body.Parent is not StatementSyntax { Parent: BlockSyntax outer } loop
            || loop.SpanStart != loopStart
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol resultSymbol)
        {
            return null;
        }

        var bufferExpression = receive.ArgumentList.Arguments[0].Expression switch
        {
            ObjectCreationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } args, Initializer: null } => args[0].Expression,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AsMemory", Expression: var array }, ArgumentList.Arguments.Count: 0 } => array,
            var plain => plain,
        };
        var bufferSymbol = model.GetSymbolInfo(bufferExpression, cancellationToken).Symbol;
        var token = OwnToken(receive.ArgumentList.Arguments[1].Expression, model, cancellationToken);
        if (bufferExpression is not IdentifierNameSyntax
            || bufferSymbol is not (ILocalSymbol or IParameterSymbol)
            || EndOfMessageReaderPlan.TypeOf(bufferSymbol) is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte }
            || !IsStableAndVisible(socket, loop, model, cancellationToken)
            || (token is not null && !IsStableAndVisible(token, loop, model, cancellationToken))
            || !ConditionOnlyWatches(ConditionOf(loop), socket, token, model, cancellationToken))
        {
            return null;
        }

        // The Close branch right after the receive goes: ReceiveLoop answers Close and returns.
        var handlerStart = 1;
        var closeReturns = false;
        if (body.Statements.Count > 1 && body.Statements[1] is IfStatementSyntax { Else: null } closeBranch
            && IsCloseTest(closeBranch.Condition, resultSymbol, model, cancellationToken))
        {
            if (!IsDroppableCloseBranch(closeBranch, socket, out closeReturns))
            {
                return null;
            }

            handlerStart = 2;
        }

        // After the rewrite the code after the loop runs when the loop ends. With a 'return' in the Close branch, or a
        // loop that could never end, there must be nothing there: the loop ends the function, which needs no value at
        // its end. A lambda in a struct cannot capture 'this'.
        if (((closeReturns || model.AnalyzeControlFlow(loop) is not { EndPointIsReachable: true })
                && (outer.Statements.Last() != loop
                    || outer.Parent is not (BaseMethodDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax)
                    || !ReceiveLoopWithoutErrorHandlingCodeFix.EndIsAllowed(model, loop, cancellationToken)))
            || (model.GetEnclosingSymbol(loop.SpanStart, cancellationToken) is { IsStatic: false, ContainingType.IsValueType: true }))
        {
            return null;
        }

        var handler = body.Statements.Skip(handlerStart).ToList();
        var continues = new List<ContinueStatementSyntax>();
        var isAsync = false;
        foreach (var node in handler.SelectMany(s => s.DescendantNodesAndSelf(n => !IsFunction(n))))
        {
            switch (node)
            {
                case YieldStatementSyntax:
                case ReturnStatementSyntax:
                case GotoStatementSyntax { RawKind: (int)SyntaxKind.GotoStatement }:
                case BreakStatementSyntax when Target(node, includeSwitch: true) == loop:
                    return null;
                case ContinueStatementSyntax next when Target(node, includeSwitch: false) == loop:
                    continues.Add(next);
                    break;
                case AwaitExpressionSyntax:
                case CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 }:
                case UsingStatementSyntax { AwaitKeyword.RawKind: not 0 }:
                case LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 }:
                    isAsync = true;
                    break;
                case ArgumentSyntax { RefKindKeyword.RawKind: not 0 } byReference when DeclaredOutside(byReference.Expression, body, model, cancellationToken):
                    return null;
                case IdentifierNameSyntax identifier when !CanCapture(model.GetSymbolInfo(identifier, cancellationToken).Symbol, body):
                    return null;
            }
        }

        // Nothing outside the loop may read the buffer: the rewrite no longer fills it.
        var member = loop.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or CompilationUnitSyntax);
        if (member is null
            || member.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => !loop.Span.Contains(n.Span)
                && n.Identifier.ValueText == bufferExpression.ToString()
                && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(n, cancellationToken).Symbol, bufferSymbol)))
        {
            return null;
        }

        var memberNames = new HashSet<string>(member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var handlerNames = new HashSet<string>(handler.SelectMany(s => s.DescendantTokens()).Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
        var messageName = MessageNames.FirstOrDefault(n => !memberNames.Contains(n));
        var tokenName = TokenNames.FirstOrDefault(n => n == "_" ? !handlerNames.Contains(n) : !memberNames.Contains(n));
        if (messageName is null || tokenName is null)
        {
            return null;
        }

        // Every use of the result and the buffer in the handler must have an exact equivalent on the message. A Close
        // test left in the handler would become 'message.IsClose', never true in the callback.
        var references = handler.SelectMany(s => s.DescendantNodes().OfType<IdentifierNameSyntax>());
        var replacements = EndOfMessageReaderPlan.MapToMessage(references, bufferSymbol, resultSymbol, SyntaxFactory.IdentifierName(messageName), model, cancellationToken);
        if (replacements is null || replacements.Values.Any(v => v is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IsClose" }))
        {
            return null;
        }

        return new ReceiveLoopRuntimePlan(
            loop,
            body,
            handlerStart,
            EndOfMessageReaderPlan.BufferDeclarationBeside(bufferSymbol, loop, cancellationToken),
            socket,
            token,
            configureAwaitFalse,
            replacements,
            continues,
            messageName,
            tokenName,
            isAsync);
    }

    public static async Task<Document> ApplyAsync(Document document, ReceiveLoopRuntimePlan plan, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || plan.Loop.Parent is not BlockSyntax block)
        {
            return document;
        }

        var syntax = new FixSyntax(model, plan.Loop.SpanStart);
        var completed = plan.IsAsync ? null : syntax.StaticMember(ValueTaskType, "CompletedTask");
        var body = plan.Body.ReplaceNodes(
            plan.Replacements.Keys.Concat(plan.Continues),
            (original, _) => original is ContinueStatementSyntax
                ? SyntaxFactory.ReturnStatement(completed).WithTriviaFrom(original)
                : plan.Replacements[original].WithTriviaFrom(original));
        var handler = body.Statements.Skip(plan.HandlerStart).ToList();
        if (handler.Count > 0)
        {
            handler[0] = handler[0].WithLeadingTrivia(handler[0].GetLeadingTrivia().SkipWhile(t => t.IsKind(SyntaxKind.EndOfLineTrivia) || t.IsKind(SyntaxKind.WhitespaceTrivia)));
        }

        var call = SyntaxFactory.InvocationExpression(
            Member(syntax.Type(ReceiveLoopType), "RunAsync"),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(Arguments(plan, Callback(plan, handler, completed)))));
        var run = plan.ConfigureAwaitFalse
            ? SyntaxFactory.InvocationExpression(
                Member(call, "ConfigureAwait"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression)))))
            : call;

        var index = block.Statements.IndexOf(plan.Loop);
        var bufferIndex = plan.BufferDeclaration is null ? -1 : block.Statements.IndexOf(plan.BufferDeclaration);
        var leading = bufferIndex == index - 1 ? plan.BufferDeclaration!.GetLeadingTrivia() : plan.Loop.GetLeadingTrivia();
        var statement = SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(run))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(plan.Loop.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);

        var statements = block.Statements.RemoveAt(index).Insert(index, statement);
        if (bufferIndex >= 0 && bufferIndex < index)
        {
            statements = statements.RemoveAt(bufferIndex);
        }

        document = document.WithSyntaxRoot(root.ReplaceNode(block, block.WithStatements(statements)));
        return await syntax.FinishAsync(document, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<ArgumentSyntax> Arguments(ReceiveLoopRuntimePlan plan, ExpressionSyntax callback)
    {
        yield return SyntaxFactory.Argument(plan.Socket.WithoutTrivia());
        yield return SyntaxFactory.Argument(callback);
        if (plan.Token is not null)
        {
            yield return SyntaxFactory.Argument(plan.Token.WithoutTrivia()).WithNameColon(SyntaxFactory.NameColon("cancellationToken"));
        }
    }

    // 'async (message, _) => await Handle(...)', 'async (message, _) => { ... }', or a synchronous body that returns a completed ValueTask.
    private static ExpressionSyntax Callback(ReceiveLoopRuntimePlan plan, List<StatementSyntax> handler, ExpressionSyntax? completed)
    {
        var parameters = SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(new[]
        {
            SyntaxFactory.Parameter(SyntaxFactory.Identifier(plan.MessageName)),
            SyntaxFactory.Parameter(SyntaxFactory.Identifier(plan.TokenName)),
        }));
        var lambda = SyntaxFactory.ParenthesizedLambdaExpression().WithParameterList(parameters);
        if (plan.IsAsync)
        {
            lambda = lambda.WithAsyncKeyword(SyntaxFactory.Token(SyntaxKind.AsyncKeyword));
            if (handler.Count == 1 && handler[0] is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax single } only
                && !only.DescendantTrivia().Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia)))
            {
                return lambda.WithExpressionBody(single.WithoutTrivia());
            }

            return lambda.WithBlock(SyntaxFactory.Block(handler));
        }

        if (handler.Count == 0)
        {
            return lambda.WithExpressionBody(completed!);
        }

        if (handler[handler.Count - 1] is not ThrowStatementSyntax)
        {
            handler.Add(SyntaxFactory.ReturnStatement(completed));
        }

        return lambda.WithBlock(SyntaxFactory.Block(handler));
    }

    // The token the receive passes; null for none (default, CancellationToken.None).
    private static ExpressionSyntax? OwnToken(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        if (expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } or DefaultExpressionSyntax
            || model.GetSymbolInfo(expression, cancellationToken).Symbol is IPropertySymbol { Name: "None", IsStatic: true, ContainingType.Name: "CancellationToken" })
        {
            return null;
        }

        return expression;
    }

    private static ExpressionSyntax? ConditionOf(StatementSyntax loop)
        => loop switch
        {
            WhileStatementSyntax whileLoop => whileLoop.Condition,
            DoStatementSyntax doLoop => doLoop.Condition,
            _ => null,
        };

    // 'true', 'socket.State == WebSocketState.Open', '!token.IsCancellationRequested', and '&&' of these: ReceiveLoop stops
    // on each of these by itself (Close received, connection gone, token cancelled).
    private static bool ConditionOnlyWatches(ExpressionSyntax? condition, ExpressionSyntax socket, ExpressionSyntax? token, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (condition)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return ConditionOnlyWatches(parenthesized.Expression, socket, token, model, cancellationToken);
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression }:
                return true;
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } and:
                return ConditionOnlyWatches(and.Left, socket, token, model, cancellationToken)
                    && ConditionOnlyWatches(and.Right, socket, token, model, cancellationToken);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression, Operand: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IsCancellationRequested" } cancelled }:
                return token is not null && SyntaxFactory.AreEquivalent(cancelled.Expression, token);
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals:
                var (state, open) = equals.Left is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "State" } ? (equals.Left, equals.Right) : (equals.Right, equals.Left);
                return state is MemberAccessExpressionSyntax stateAccess
                    && SyntaxFactory.AreEquivalent(stateAccess.Expression, socket)
                    && model.GetSymbolInfo(open, cancellationToken).Symbol is IFieldSymbol { Name: "Open", ContainingType.Name: "WebSocketState" };
            default:
                return false;
        }
    }

    // 'result.MessageType == WebSocketMessageType.Close', 'result.CloseStatus.HasValue', 'result.CloseStatus != null'.
    private static bool IsCloseTest(ExpressionSyntax condition, ILocalSymbol result, SemanticModel model, CancellationToken cancellationToken)
    {
        bool IsResultMember(ExpressionSyntax expression, string name)
            => expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner } access
               && access.Name.Identifier.ValueText == name
               && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(owner, cancellationToken).Symbol, result);

        var messageType = model.Compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocketMessageType");
        return condition switch
        {
            ParenthesizedExpressionSyntax parenthesized => IsCloseTest(parenthesized.Expression, result, model, cancellationToken),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals when messageType is not null =>
                (IsResultMember(equals.Left, "MessageType") && EndOfMessageReaderPlan.IsCloseMember(equals.Right, messageType, model, cancellationToken))
                || (IsResultMember(equals.Right, "MessageType") && EndOfMessageReaderPlan.IsCloseMember(equals.Left, messageType, model, cancellationToken)),
            MemberAccessExpressionSyntax { Name.Identifier.ValueText: "HasValue", Expression: var status } => IsResultMember(status, "CloseStatus"),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.NotEqualsExpression, Right: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.NullLiteralExpression } } notNull => IsResultMember(notNull.Left, "CloseStatus"),
            _ => false,
        };
    }

    // '{ [await socket.CloseAsync|CloseOutputAsync(...);] break; | return; }' where the arguments have no side effects.
    private static bool IsDroppableCloseBranch(IfStatementSyntax branch, ExpressionSyntax socket, out bool returns)
    {
        returns = false;
        var statements = branch.Statement is BlockSyntax block ? block.Statements : SyntaxFactory.SingletonList(branch.Statement);
        if (statements.Count == 0)
        {
            return false;
        }

        switch (statements.Last())
        {
            case BreakStatementSyntax:
                break;
            case ReturnStatementSyntax { Expression: null }:
                returns = true;
                break;
            default:
                return false;
        }

        return statements.Take(statements.Count - 1).All(s => IsCloseCall(s, socket));
    }

    private static bool IsCloseCall(StatementSyntax statement, ExpressionSyntax socket)
    {
        if (statement is not ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: var awaited } })
        {
            return false;
        }

        if (awaited is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner } })
        {
            awaited = inner;
        }

        return awaited is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "CloseAsync" or "CloseOutputAsync" } close } closeCall
            && SyntaxFactory.AreEquivalent(close.Expression, socket)
            && !closeCall.ArgumentList.DescendantNodes().Any(n => n is InvocationExpressionSyntax or AssignmentExpressionSyntax or BaseObjectCreationExpressionSyntax
                or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } or PostfixUnaryExpressionSyntax);
    }

    // The loop (or, with includeSwitch, switch) a break or continue leaves; not past a nested function.
    private static SyntaxNode? Target(SyntaxNode jump, bool includeSwitch)
        => jump.Ancestors().TakeWhile(a => !IsFunction(a)).FirstOrDefault(a =>
            a is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax
            || (includeSwitch && a is SwitchStatementSyntax));

    private static bool IsFunction(SyntaxNode node) => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax;

    private static bool DeclaredOutside(ExpressionSyntax expression, BlockSyntax body, SemanticModel model, CancellationToken cancellationToken)
        => model.GetSymbolInfo(expression, cancellationToken).Symbol is { Kind: SymbolKind.Local or SymbolKind.Parameter } symbol
           && !symbol.DeclaringSyntaxReferences.Any(r => body.Span.Contains(r.Span));

    // A lambda cannot capture ref locals, ref-like locals or by-reference parameters.
    private static bool CanCapture(ISymbol? symbol, BlockSyntax body)
        => symbol switch
        {
            ILocalSymbol local when !local.DeclaringSyntaxReferences.Any(r => body.Span.Contains(r.Span)) => !local.IsRef && !local.Type.IsRefLikeType,
            IParameterSymbol parameter when !parameter.DeclaringSyntaxReferences.Any(r => body.Span.Contains(r.Span)) => parameter.RefKind == RefKind.None && !parameter.Type.IsRefLikeType,
            _ => true,
        };

    // A local, parameter, field or property chain ('socket', '_socket', 'this._socket', 'connection.Socket') declared
    // outside the loop and not assigned in it: RunAsync reads it once where the loop read it each time.
    private static bool IsStableAndVisible(ExpressionSyntax expression, StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken)
    {
        if (!ReceiveLoopWithoutErrorHandlingCodeFix.IsVisibleAt(model, expression, loop.SpanStart, cancellationToken))
        {
            return false;
        }

        var chain = new List<ISymbol>();
        for (var part = expression; part is not ThisExpressionSyntax; part = ((MemberAccessExpressionSyntax)part).Expression)
        {
            var symbol = model.GetSymbolInfo(part, cancellationToken).Symbol;
            if (symbol is not (ILocalSymbol or IParameterSymbol or IFieldSymbol or IPropertySymbol { IsIndexer: false })
                || part is not (IdentifierNameSyntax or MemberAccessExpressionSyntax))
            {
                return false;
            }

            chain.Add(symbol);
            if (part is IdentifierNameSyntax)
            {
                break;
            }
        }

        return !loop.DescendantNodes().Any(n => WrittenTarget(n) is { } target
            && chain.Contains(model.GetSymbolInfo(target, cancellationToken).Symbol, SymbolEqualityComparer.Default));
    }

    private static ExpressionSyntax? WrittenTarget(SyntaxNode node)
        => node switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left,
            ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument => argument.Expression,
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } prefix => prefix.Operand,
            PostfixUnaryExpressionSyntax postfix => postfix.Operand,
            _ => null,
        };

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));
}
