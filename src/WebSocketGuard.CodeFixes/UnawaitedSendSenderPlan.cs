using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1005 with the runtime referenced: a class that owns its socket (a private field or auto-property assigned once,
/// in its only constructor, from a constructor parameter) gets a <c>WebSocketSender</c> field created right after that
/// assignment, and every send on the socket in the class goes through it, so the sender is the socket's only writer.
/// An async <c>DisposeAsync</c> drains the sender before it touches the socket. Offered only when every use of the
/// socket in the class maps exactly; otherwise the plain fix remains.
/// </summary>
internal sealed class UnawaitedSendSenderPlan
{
    private const string SenderType = "WebSocketGuard.WebSocketSender";

    private UnawaitedSendSenderPlan(
        ISymbol socket,
        TypeDeclarationSyntax type,
        MemberDeclarationSyntax socketDeclaration,
        ConstructorDeclarationSyntax constructor,
        AssignmentExpressionSyntax assignment,
        string senderName,
        List<SendRewrite> sends,
        StatementSyntax? drainBefore,
        BlockSyntax? drainAtEndOf,
        bool drainConfigureAwait)
    {
        Socket = socket;
        Type = type;
        SocketDeclaration = socketDeclaration;
        Constructor = constructor;
        Assignment = assignment;
        SenderName = senderName;
        Sends = sends;
        DrainBefore = drainBefore;
        DrainAtEndOf = drainAtEndOf;
        DrainConfigureAwait = drainConfigureAwait;
    }

    public ISymbol Socket { get; }

    public TypeDeclarationSyntax Type { get; }

    private MemberDeclarationSyntax SocketDeclaration { get; }

    private ConstructorDeclarationSyntax Constructor { get; }

    // '_socket = socket' in the constructor; the sender is created right after it.
    private AssignmentExpressionSyntax Assignment { get; }

    private string SenderName { get; }

    private List<SendRewrite> Sends { get; }

    // Where DisposeAsync drains the sender: before its first statement that touches the socket, or at the end of its body.
    private StatementSyntax? DrainBefore { get; }

    private BlockSyntax? DrainAtEndOf { get; }

    private bool DrainConfigureAwait { get; }

    private enum SendShape
    {
        // 'await socket.SendAsync(...)[.ConfigureAwait(x)];' or '=> await ...': the call is swapped, the await stays.
        Awaited,

        // 'socket.SendAsync(...);' or '_ = socket.SendAsync(...);': the statement becomes 'await sender...;' or '_ = sender...;'.
        DiscardedStatement,

        // '=> socket.SendAsync(...)' in a void method or lambda: the call is swapped.
        DiscardedArrow,
    }

    private sealed class SendRewrite
    {
        public SendRewrite(InvocationExpressionSyntax send, SyntaxNode target, SendShape shape, bool canAwait)
        {
            Send = send;
            Target = target;
            Shape = shape;
            CanAwait = canAwait;
        }

        public InvocationExpressionSyntax Send { get; }

        public SyntaxNode Target { get; }

        public SendShape Shape { get; }

        public bool CanAwait { get; }
    }

    public static UnawaitedSendSenderPlan? TryCreate(InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (compilation.GetTypeByMetadataName(SenderType) is not { DeclaredAccessibility: Accessibility.Public }
            || compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocket") is not { } webSocket
            || send.Expression is not MemberAccessExpressionSyntax { Expression: var receiver }
            || SocketReceiver(receiver) is null
            || model.GetSymbolInfo(receiver, cancellationToken).Symbol is not { IsStatic: false, DeclaredAccessibility: Accessibility.Private } socket
            || socket is not (IFieldSymbol { IsConst: false } or IPropertySymbol)
            || (socket is IFieldSymbol f ? f.Type : ((IPropertySymbol)socket).Type) is not { NullableAnnotation: not NullableAnnotation.Annotated } socketType
            || !DerivesFrom(socketType, webSocket)
            || socket.ContainingType is not { TypeKind: TypeKind.Class } containingType
            || containingType.DeclaringSyntaxReferences.Length != 1
            || containingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not ClassDeclarationSyntax type
            || send.FirstAncestorOrSelf<TypeDeclarationSyntax>() != type
            || SocketDeclarationOf(socket, cancellationToken) is not { } socketDeclaration
            || containingType.InstanceConstructors.Length != 1
            || containingType.InstanceConstructors[0].DeclaringSyntaxReferences.Length != 1
            || containingType.InstanceConstructors[0].DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not ConstructorDeclarationSyntax constructor
            || constructor.Initializer is { ThisOrBaseKeyword.RawKind: (int)SyntaxKind.ThisKeyword })
        {
            return null;
        }

        var senderName = "_" + char.ToLowerInvariant(BaseName(socket.Name)[0]) + BaseName(socket.Name).Substring(1) + "Sender";
        if (type.DescendantTokens().Any(t => t.ValueText == senderName)
            || model.LookupSymbols(type.OpenBraceToken.Span.End, containingType, senderName).Any())
        {
            return null;
        }

        var disposeAsync = type.Members.OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Identifier.ValueText == "DisposeAsync" && m.ParameterList.Parameters.Count == 0 && !m.Modifiers.Any(SyntaxKind.StaticKeyword));
        var drainBody = disposeAsync is { Body: { } body } && disposeAsync.Modifiers.Any(SyntaxKind.AsyncKeyword) ? body : null;

        AssignmentExpressionSyntax? assignment = null;
        var sends = new List<SendRewrite>();
        var closes = new List<SyntaxNode>();
        foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != socket.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, socket))
            {
                continue;
            }

            var reference = identifier.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } qualified && qualified.Name == identifier
                ? (ExpressionSyntax)qualified
                : identifier;
            if (reference == identifier && identifier.Parent is MemberAccessExpressionSyntax { Name: var name } && name == identifier)
            {
                // 'other._socket': another instance's socket.
                return null;
            }

            if (reference.Parent is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } write && write.Left == reference)
            {
                if (assignment is not null || !IsParameterAssignment(write, constructor, model, cancellationToken))
                {
                    return null;
                }

                assignment = write;
                continue;
            }

            if (reference.Parent is not MemberAccessExpressionSyntax access || access.Expression != reference)
            {
                // Handed on, stored, or written elsewhere: something else could send on it.
                return null;
            }

            switch (access.Name.Identifier.ValueText)
            {
                case "SendAsync":
                    if (access.Parent is not InvocationExpressionSyntax call || call.Expression != access
                        || MapSend(call, model, cancellationToken) is not { } rewrite)
                    {
                        return null;
                    }

                    sends.Add(rewrite);
                    break;
                case "CloseAsync" or "CloseOutputAsync":
                    closes.Add(access);
                    break;
            }
        }

        if (assignment is null || !sends.Any(s => s.Send == send))
        {
            return null;
        }

        // DisposeAsync drains the sender before it first touches the socket (a close sent earlier would race the queue).
        StatementSyntax? drainBefore = null;
        if (drainBody is not null)
        {
            drainBefore = drainBody.Statements.FirstOrDefault(s => s.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Any(i => i.Identifier.ValueText == socket.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i, cancellationToken).Symbol, socket)));
            if (drainBefore is null && drainBody.Statements.LastOrDefault() is ReturnStatementSyntax or ThrowStatementSyntax)
            {
                return null;
            }

            var drainAt = drainBefore?.SpanStart ?? drainBody.CloseBraceToken.SpanStart;
            if (sends.Any(s => s.Send.SpanStart >= drainAt && s.Send.Span.End <= drainBody.Span.End))
            {
                return null;
            }
        }

        // A close anywhere but after the drain would overtake messages still queued.
        if (closes.Any(c => drainBody is null || !drainBody.Span.Contains(c.Span) || (drainBefore is not null && c.SpanStart < drainBefore.SpanStart)))
        {
            return null;
        }

        var configureAwait = drainBody is not null && drainBody.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Any(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" });
        return new UnawaitedSendSenderPlan(socket, type, socketDeclaration, constructor, assignment, senderName, sends,
            drainBefore, drainBefore is null ? drainBody : null, configureAwait);
    }

    /// <summary>Applies the plans to one document; plans for the same class after the first are skipped (they would edit the same constructor).</summary>
    public static async Task<Document> ApplyAsync(Document document, IReadOnlyList<UnawaitedSendSenderPlan> plans, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || plans.Count == 0)
        {
            return document;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(model, plans[0].Type.SpanStart);
        var senderType = model.Compilation.GetTypeByMetadataName(SenderType)!;
        var done = new HashSet<TypeDeclarationSyntax>();
        foreach (var plan in plans)
        {
            if (done.Add(plan.Type))
            {
                plan.Apply(editor, syntax, senderType);
            }
        }

        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    private void Apply(DocumentEditor editor, FixSyntax syntax, INamedTypeSymbol senderType)
    {
        foreach (var rewrite in Sends)
        {
            var call = SenderCall(rewrite.Send);
            SyntaxNode replacement = rewrite.Shape switch
            {
                SendShape.DiscardedStatement when rewrite.CanAwait => SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(call)),
                SendShape.DiscardedStatement => SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
                    SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName("_"), call)),
                _ => call,
            };
            editor.ReplaceNode(rewrite.Target, Formatted(replacement.WithTriviaFrom(rewrite.Target)));
        }

        var field = (MemberDeclarationSyntax)editor.Generator.FieldDeclaration(SenderName, syntax.Type(senderType), Accessibility.Private, DeclarationModifiers.ReadOnly);
        editor.InsertAfter(SocketDeclaration, Formatted(field));

        // '_socketSender = new WebSocketSender(_socket);', qualified with 'this.' when the socket assignment is.
        var qualified = Assignment.Left is MemberAccessExpressionSyntax;
        var create = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
            SyntaxKind.SimpleAssignmentExpression,
            Member(SenderName, qualified),
            SyntaxFactory.ObjectCreationExpression(syntax.Type(senderType))
                .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(Assignment.Left.WithoutTrivia()))))));
        if (Assignment.Parent is ExpressionStatementSyntax statement)
        {
            FixSyntax.TryInsertAfter(editor, statement, Formatted(create));
        }
        else
        {
            editor.ReplaceNode(Constructor, (current, _) =>
            {
                var ctor = (ConstructorDeclarationSyntax)current;
                var body = SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(Assignment.WithoutTrivia()), create);
                return Formatted(ctor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body));
            });
        }

        ExpressionSyntax dispose = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Member(SenderName, qualified), SyntaxFactory.IdentifierName("DisposeAsync")));
        if (DrainConfigureAwait)
        {
            dispose = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, dispose, SyntaxFactory.IdentifierName("ConfigureAwait")),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression)))));
        }

        var drain = Formatted(SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(dispose)));
        if (DrainBefore is not null)
        {
            editor.InsertBefore(DrainBefore, drain);
        }
        else if (DrainAtEndOf is not null)
        {
            editor.ReplaceNode(DrainAtEndOf, (current, _) => Formatted(((BlockSyntax)current).AddStatements(drain)));
        }
    }

    // 'sender.SendAsync(payload, type, token)' from 'socket.SendAsync(payload, type, true, token)', keeping 'this.' if present.
    private InvocationExpressionSyntax SenderCall(InvocationExpressionSyntax send)
    {
        var receiver = ((MemberAccessExpressionSyntax)send.Expression).Expression;
        var arguments = send.ArgumentList.Arguments;
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Member(SenderName, receiver is MemberAccessExpressionSyntax), SyntaxFactory.IdentifierName("SendAsync")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[] { arguments[0], arguments[1], arguments[3] }
                .Select(a => SyntaxFactory.Argument(a.Expression.WithoutTrivia())))));
    }

    // Formatting only: the simplifier would drop a 'this.' the code writes on purpose.
    private static T Formatted<T>(T node)
        where T : SyntaxNode
        => node.WithAdditionalAnnotations(Formatter.Annotation);

    private static ExpressionSyntax Member(string name, bool qualified)
        => qualified
            ? SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.ThisExpression(), SyntaxFactory.IdentifierName(name))
            : SyntaxFactory.IdentifierName(name);

    private static ExpressionSyntax? SocketReceiver(ExpressionSyntax receiver)
        => receiver switch
        {
            IdentifierNameSyntax => receiver,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax } => receiver,
            _ => null,
        };

    // A send that maps exactly: the four-argument bool overload with 'true' for endOfMessage, arguments in parameter order,
    // a payload whose own type converts to ReadOnlyMemory<byte>, a message type that is not Close, in a shape whose result
    // is discarded or awaited as a statement.
    private static SendRewrite? MapSend(InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        if (!SenderSyntax.IsWholeMessageSend(send, model, cancellationToken)
            || SocketReceiver(((MemberAccessExpressionSyntax)send.Expression).Expression) is null)
        {
            return null;
        }

        if (FixSyntax.WithConfigureAwait(send).Parent is AwaitExpressionSyntax awaited)
        {
            return awaited.Parent switch
            {
                ExpressionStatementSyntax => new SendRewrite(send, send, SendShape.Awaited, canAwait: true),
                ArrowExpressionClauseSyntax { Parent: MethodDeclarationSyntax or LocalFunctionStatementSyntax } => new SendRewrite(send, send, SendShape.Awaited, canAwait: true),
                AnonymousFunctionExpressionSyntax lambda when lambda.Body == awaited && LambdaReturnTypeIsFixed(lambda, model, cancellationToken)
                    => new SendRewrite(send, send, SendShape.Awaited, canAwait: true),
                _ => null,
            };
        }

        switch (send.Parent)
        {
            case ExpressionStatementSyntax statement:
                return new SendRewrite(send, statement, SendShape.DiscardedStatement, CanAwait(statement));
            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } discard
                when discard.Right == send && model.GetOperation(discard, cancellationToken) is ISimpleAssignmentOperation { Target: IDiscardOperation }:
                return new SendRewrite(send, statement, SendShape.DiscardedStatement, CanAwait(statement));
            case ArrowExpressionClauseSyntax { Parent: { } member } when model.GetDeclaredSymbol(member, cancellationToken) is IMethodSymbol { ReturnsVoid: true }:
                return new SendRewrite(send, send, SendShape.DiscardedArrow, canAwait: false);
            case AnonymousFunctionExpressionSyntax lambda when lambda.Body == send
                && model.GetTypeInfo(lambda, cancellationToken).ConvertedType is INamedTypeSymbol { DelegateInvokeMethod.ReturnsVoid: true }:
                return new SendRewrite(send, send, SendShape.DiscardedArrow, canAwait: false);
            default:
                return null;
        }
    }

    // 'async (...) => await send' passed where no overload could take a lambda returning a value: its type cannot change.
    private static bool LambdaReturnTypeIsFixed(AnonymousFunctionExpressionSyntax lambda, SemanticModel model, CancellationToken cancellationToken)
    {
        if (lambda.Parent is not ArgumentSyntax { NameColon: null, Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } list } argument)
        {
            return false;
        }

        var index = list.Arguments.IndexOf(argument);
        var candidates = model.GetMemberGroup(invocation.Expression, cancellationToken).OfType<IMethodSymbol>().ToList();
        return candidates.Count > 0 && candidates.All(c =>
        {
            var parameters = c.IsExtensionMethod && c.ReducedFrom is null ? c.Parameters.Skip(1).ToList() : c.Parameters.ToList();
            return index >= parameters.Count
                || parameters[index].OriginalDefinition.Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                || invoke.ReturnType is INamedTypeSymbol { IsGenericType: false } or { SpecialType: SpecialType.System_Void };
        });
    }

    // Whether 'await' can go at this statement: inside an async method, local function or lambda, and not in a lock.
    private static bool CanAwait(StatementSyntax statement)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            switch (ancestor)
            {
                case LockStatementSyntax:
                    return false;
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    // '_socket = socket' or '_socket = socket ?? throw ...' directly in the constructor, with 'socket' one of its parameters.
    private static bool IsParameterAssignment(AssignmentExpressionSyntax write, ConstructorDeclarationSyntax constructor, SemanticModel model, CancellationToken cancellationToken)
    {
        var placed = write.Parent is ExpressionStatementSyntax { Parent: BlockSyntax block } && block == constructor.Body
            || (write.Parent is ArrowExpressionClauseSyntax arrow && arrow == constructor.ExpressionBody);
        var value = write.Right is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression, Right: ThrowExpressionSyntax } coalesce
            ? coalesce.Left
            : write.Right;
        return placed
            && value is IdentifierNameSyntax
            && model.GetSymbolInfo(value, cancellationToken).Symbol is IParameterSymbol parameter
            && constructor.ParameterList.Parameters.Any(p => p.Identifier.ValueText == parameter.Name);
    }

    // A field declared alone without an initializer, or an auto-property without one (and without 'init').
    private static MemberDeclarationSyntax? SocketDeclarationOf(ISymbol socket, CancellationToken cancellationToken)
    {
        if (socket.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var declaration = socket.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
        return declaration switch
        {
            VariableDeclaratorSyntax { Initializer: null, Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax field } } => field,
            PropertyDeclarationSyntax { Initializer: null, ExpressionBody: null, AccessorList: { } accessors } property
                when accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null && !a.IsKind(SyntaxKind.InitAccessorDeclaration)) => property,
            _ => null,
        };
    }

    private static string BaseName(string name)
    {
        var trimmed = name.TrimStart('_');
        return trimmed.Length == 0 ? "socket" : trimmed;
    }

    private static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol baseType)
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
}
