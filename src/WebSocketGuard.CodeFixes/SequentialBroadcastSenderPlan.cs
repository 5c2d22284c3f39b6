using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1015 with the runtime referenced. Two rewrites, each offered only where it is exact:
/// <list type="bullet">
/// <item>the loop element's <c>WebSocketSender</c> takes the send: <c>await c.Socket.SendAsync(p, t, true, ct)</c> becomes
/// <c>await c.Sender.SendAsync(p, t, ct)</c>, which queues and returns, when the sender is known to write that same socket
/// (<c>WebSocketConnection</c>, or a class of the project whose constructors create the sender over that socket);</item>
/// <item>a loop over <c>registry.GetConnections()</c> / <c>GetGroup(g)</c> whose body is only that send, with a token that
/// cannot be cancelled, becomes <c>await registry.BroadcastAsync(p, t)</c> / <c>BroadcastToGroupAsync(g, p, t)</c>.</item>
/// </list>
/// </summary>
internal static class SequentialBroadcastSenderPlan
{
    private const string SenderType = "WebSocketGuard.WebSocketSender";
    private const string ConnectionType = "WebSocketGuard.AspNetCore.WebSocketConnection";
    private const string RegistryType = "WebSocketGuard.AspNetCore.WebSocketConnectionRegistry";

    /// <summary>The replacement for the send's invocation (<c>c.Sender.SendAsync(p, t, ct)</c>), or null.</summary>
    public static InvocationExpressionSyntax? SenderCall(ForEachStatementSyntax loop, InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        if (!IsSingleWholeMessageSend(loop, send, model, cancellationToken)
            || send.Expression is not MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax socketAccess }
            || model.GetSymbolInfo(socketAccess, cancellationToken).Symbol is not { IsStatic: false } socket
            || model.GetTypeInfo(socketAccess.Expression, cancellationToken).Type is not INamedTypeSymbol holder
            || SenderMemberOf(holder, socket, model.Compilation, cancellationToken) is not { } senderMember
            || !model.IsAccessible(send.SpanStart, senderMember))
        {
            return null;
        }

        var arguments = send.ArgumentList.Arguments;
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(
                SyntaxKind.SimpleMemberAccessExpression,
                socketAccess.WithName(SyntaxFactory.IdentifierName(senderMember.Name)),
                SyntaxFactory.IdentifierName("SendAsync")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[] { arguments[0], arguments[1], arguments[3] }
                .Select(a => SyntaxFactory.Argument(a.Expression.WithoutTrivia())))));
    }

    public static async Task<Document> ReplaceSendAsync(Document document, InvocationExpressionSyntax send, InvocationExpressionSyntax senderCall, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.ReplaceNode(send, senderCall.WithTriviaFrom(send));
        return editor.GetChangedDocument();
    }

    /// <summary>The statement replacing the whole loop (<c>await registry.BroadcastAsync(p, t);</c>), or null.</summary>
    public static StatementSyntax? RegistryBroadcast(ForEachStatementSyntax loop, InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        var registryType = model.Compilation.GetTypeByMetadataName(RegistryType);
        var connectionType = model.Compilation.GetTypeByMetadataName(ConnectionType);
        if (registryType is null || connectionType is null
            || !IsSingleWholeMessageSend(loop, send, model, cancellationToken)
            || loop.Expression is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: var source } collectionAccess } collection
            || model.GetSymbolInfo(collection, cancellationToken).Symbol is not IMethodSymbol { IsStatic: false } sourceMethod
            || !SymbolEqualityComparer.Default.Equals(sourceMethod.ContainingType, registryType)
            || !IsPlainValue(collectionAccess.Expression)
            || send.Expression is not MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Socket", Expression: IdentifierNameSyntax element } socketAccess }
            || element.Identifier.ValueText != loop.Identifier.ValueText
            || !SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(socketAccess.Expression, cancellationToken).Type, connectionType))
        {
            return null;
        }

        // The body is only 'await c.Socket.SendAsync(...)[.ConfigureAwait(x)];': BroadcastAsync queues on every open connection's sender.
        var statement = send.FirstAncestorOrSelf<ExpressionStatementSyntax>();
        var body = loop.Statement is BlockSyntax { Statements.Count: 1 } block ? block.Statements[0] : loop.Statement;
        if (statement is null || statement != body)
        {
            return null;
        }

        // Evaluated once instead of once per connection, so they must be plain values that do not depend on the element;
        // the registry swallows cancellation (counting drops), so only a token that cannot be cancelled keeps the meaning.
        var arguments = send.ArgumentList.Arguments;
        if (!IsPlainValue(arguments[0].Expression) || !IsPlainValue(arguments[1].Expression)
            || model.GetConstantValue(arguments[1].Expression, cancellationToken) is not { HasValue: true, Value: 0 or 1 }
            || !IsNoneToken(arguments[3].Expression, model, cancellationToken)
            || new[] { arguments[0].Expression, arguments[1].Expression }.Any(e => e.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Any(i => i.Identifier.ValueText == loop.Identifier.ValueText)))
        {
            return null;
        }

        var (method, leading) = source switch
        {
            "GetConnections" when collection.ArgumentList.Arguments.Count == 0 => ("BroadcastAsync", Enumerable.Empty<ArgumentSyntax>()),
            "GetGroup" when collection.ArgumentList.Arguments.Count == 1 && IsPlainValue(collection.ArgumentList.Arguments[0].Expression)
                => ("BroadcastToGroupAsync", new[] { SyntaxFactory.Argument(collection.ArgumentList.Arguments[0].Expression.WithoutTrivia()) }),
            _ => (null, Enumerable.Empty<ArgumentSyntax>()),
        };
        if (method is null)
        {
            return null;
        }

        ExpressionSyntax broadcast = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, collectionAccess.Expression.WithoutTrivia(), SyntaxFactory.IdentifierName(method)),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(leading.Concat(new[] { arguments[0], arguments[1] }
                .Select(a => SyntaxFactory.Argument(a.Expression.WithoutTrivia()))))));
        if (send.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } configure)
        {
            broadcast = configured.WithExpression(configure.WithExpression(broadcast)).WithoutTrivia();
        }

        return SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(broadcast))
            .WithTriviaFrom(loop)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    public static async Task<Document> ReplaceLoopAsync(Document document, ForEachStatementSyntax loop, StatementSyntax broadcast, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.ReplaceNode(loop, broadcast);
        return editor.GetChangedDocument();
    }

    // 'await x.SendAsync(payload, type, true, token)[.ConfigureAwait(b)];' with a payload that converts to ReadOnlyMemory<byte>,
    // a type that is not Close, arguments in parameter order, and no other WebSocket send in the loop body.
    private static bool IsSingleWholeMessageSend(ForEachStatementSyntax loop, InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        if (!SenderSyntax.IsWholeMessageSend(send, model, cancellationToken)
            || FixSyntax.WithConfigureAwait(send).Parent is not AwaitExpressionSyntax { Parent: ExpressionStatementSyntax })
        {
            return false;
        }

        var sends = loop.Statement.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
            .Count(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "SendAsync" } or IdentifierNameSyntax { Identifier.ValueText: "SendAsync" });
        return sends == 1;
    }

    // The member of the loop element's type that is the writer of 'socket': WebSocketConnection.Sender, or a readonly
    // WebSocketSender member that every constructor of a project class creates over that (readonly) socket.
    private static ISymbol? SenderMemberOf(INamedTypeSymbol holder, ISymbol socket, Compilation compilation, CancellationToken cancellationToken)
    {
        var senderType = compilation.GetTypeByMetadataName(SenderType);
        if (senderType is null)
        {
            return null;
        }

        if (SymbolEqualityComparer.Default.Equals(holder, compilation.GetTypeByMetadataName(ConnectionType)))
        {
            return socket.Name == "Socket" ? holder.GetMembers("Sender").FirstOrDefault() : null;
        }

        var senders = holder.GetMembers().Where(m => !m.IsStatic && !m.IsImplicitlyDeclared && SymbolEqualityComparer.Default.Equals(MemberType(m), senderType)).ToList();
        if (senders.Count != 1
            || !SymbolEqualityComparer.Default.Equals(socket.ContainingType, holder)
            || !IsReadOnlyMember(socket, cancellationToken)
            || !IsReadOnlyMember(senders[0], cancellationToken)
            || holder.DeclaringSyntaxReferences.Length != 1
            || holder.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not ClassDeclarationSyntax declaration
            || holder.TypeKind != TypeKind.Class)
        {
            return null;
        }

        var sender = senders[0];
        var constructors = declaration.Members.OfType<ConstructorDeclarationSyntax>()
            .Where(c => !c.Modifiers.Any(SyntaxKind.StaticKeyword) && c.Initializer is not { ThisOrBaseKeyword.RawKind: (int)SyntaxKind.ThisKeyword })
            .ToList();
        var declarationModel = compilation.GetSemanticModel(declaration.SyntaxTree);
        if (constructors.Count == 0
            || declaration.Members.OfType<ConstructorDeclarationSyntax>().Except(constructors)
                .Any(c => c.Body is { } chained && chained.Statements.Any(s => Writes(s, socket.Name) || Writes(s, sender.Name))))
        {
            return null;
        }

        // In each constructor: 'Sender = new WebSocketSender(Socket[, ...]);' directly in the body, after the socket's only
        // assignment there (if any); nowhere else is either member written.
        foreach (var constructor in constructors)
        {
            if (constructor.Body is not { } body)
            {
                return null;
            }

            var socketWrites = body.Statements.Select((s, i) => (s, i)).Where(p => Writes(p.s, socket.Name)).ToList();
            var senderWrites = body.Statements.Select((s, i) => (s, i)).Where(p => Writes(p.s, sender.Name)).ToList();
            if (socketWrites.Count > 1 || senderWrites.Count != 1
                || (socketWrites.Count == 1 && socketWrites[0].i > senderWrites[0].i)
                || senderWrites[0].s is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Right: ObjectCreationExpressionSyntax creation } }
                || creation.ArgumentList is not { Arguments.Count: >= 1 } creationArguments
                || !SymbolEqualityComparer.Default.Equals(declarationModel.GetSymbolInfo(creationArguments.Arguments[0].Expression, cancellationToken).Symbol, socket)
                || !SymbolEqualityComparer.Default.Equals(declarationModel.GetTypeInfo(creation, cancellationToken).Type, senderType))
            {
                return null;
            }
        }

        // No other writes (initializers included) of the sender anywhere in the class, and the socket's only other write may be its initializer.
        var writes = declaration.DescendantNodes().OfType<AssignmentExpressionSyntax>().Count(a => NameOf(a.Left) == sender.Name);
        var senderHasInitializer = sender.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: not null } or PropertyDeclarationSyntax { Initializer: not null });
        return writes == constructors.Count && !senderHasInitializer ? sender : null;
    }

    private static bool Writes(StatementSyntax statement, string member)
        => statement.DescendantNodesAndSelf().OfType<AssignmentExpressionSyntax>().Any(a => NameOf(a.Left) == member);

    private static string? NameOf(ExpressionSyntax expression)
        => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name } => name.Identifier.ValueText,
            _ => null,
        };

    private static ITypeSymbol? MemberType(ISymbol member)
        => member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

    // A readonly field, or a get-only auto-property (no setter, no init): it cannot change after the constructor.
    private static bool IsReadOnlyMember(ISymbol member, CancellationToken cancellationToken)
        => member switch
        {
            IFieldSymbol field => field.IsReadOnly,
            IPropertySymbol { SetMethod: null } property => property.DeclaringSyntaxReferences.Length == 1
                && property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
                && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null),
            _ => false,
        };

    // Identifiers and member accesses (no calls): evaluating them once or per connection is the same.
    private static bool IsPlainValue(ExpressionSyntax expression)
        => expression switch
        {
            IdentifierNameSyntax or ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax access => IsPlainValue(access.Expression),
            ParenthesizedExpressionSyntax parenthesized => IsPlainValue(parenthesized.Expression),
            LiteralExpressionSyntax => true,
            _ => false,
        };

    private static bool IsNoneToken(ExpressionSyntax token, SemanticModel model, CancellationToken cancellationToken)
        => token.IsKind(SyntaxKind.DefaultLiteralExpression)
           || token is DefaultExpressionSyntax
           || (token is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "None" }
               && model.GetSymbolInfo(token, cancellationToken).Symbol is IPropertySymbol { IsStatic: true, ContainingType: { Name: "CancellationToken" } });
}
