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
using WebSocketGuard.Analyzers;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG2001 with WebSocketGuard.AspNetCore referenced: the accept goes through the runtime, which answers 400, 403
/// (Origin), 401 (no user) and 503 (limits) itself. A minimal-API endpoint that guards <c>IsWebSocketRequest</c> becomes
/// <c>MapWebSocket</c>; an accept inside middleware or an action becomes <c>WebSocketAccept.AcceptAsync</c>. Both need
/// <c>AddWebSocketGuard</c>: when the compilation never calls it, the plan adds it before <c>builder.Build()</c> in the
/// same file, and there is no plan when that builder cannot be found.
/// </summary>
internal sealed class UnauthenticatedAcceptRuntimePlan
{
    private const string RuntimeNamespace = "WebSocketGuard.AspNetCore";
    private const string AcceptTypeName = RuntimeNamespace + ".WebSocketAccept";
    private const string EndpointExtensionsName = RuntimeNamespace + ".WebSocketEndpointRouteBuilderExtensions";
    private const string ServiceExtensionsName = RuntimeNamespace + ".WebSocketGuardServiceCollectionExtensions";
    private const string WebApplicationBuilderName = "Microsoft.AspNetCore.Builder.WebApplicationBuilder";
    private const string EndpointRouteBuilderExtensionsName = "Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions";
    private static readonly string[] ConnectionNames = { "connection", "webSocketConnection" };

    private UnauthenticatedAcceptRuntimePlan(bool mapsEndpoint, string connectionName, string? socketName, Registration? registration)
    {
        MapsEndpoint = mapsEndpoint;
        ConnectionName = connectionName;
        SocketName = socketName;
        Register = registration;
    }

    /// <summary>True: the endpoint becomes <c>MapWebSocket</c>; false: the accept becomes <c>WebSocketAccept.AcceptAsync</c>.</summary>
    public bool MapsEndpoint { get; }

    private string ConnectionName { get; }

    // The socket local, kept as 'var socket = connection.Socket;' when the code uses it; null when it does not.
    private string? SocketName { get; }

    // Where AddWebSocketGuard goes; null when the compilation already calls it.
    private Registration? Register { get; }

    // MapWebSocket: the Map/MapGet call, its handler, the statements that stay and the rewrites of the HttpContext parameter.
    private InvocationExpressionSyntax? Map { get; set; }

    private LambdaExpressionSyntax? Handler { get; set; }

    private LocalDeclarationStatementSyntax? AcceptStatement { get; set; }

    private IReadOnlyList<StatementSyntax> HandlerStatements { get; set; } = new List<StatementSyntax>();

    private Dictionary<SyntaxNode, ExpressionSyntax> ContextRewrites { get; set; } = new();

    // WebSocketAccept: the HttpContext expression the accept was called on.
    private ExpressionSyntax? HttpContext { get; set; }

    private sealed class Registration
    {
        public Registration(StatementSyntax build, string builder)
        {
            Build = build;
            Builder = builder;
        }

        // The statement holding 'builder.Build()'; AddWebSocketGuard is inserted before it.
        public StatementSyntax Build { get; }

        public string Builder { get; }
    }

    /// <summary>
    /// <c>app.Map("/ws", async (HttpContext context) => { if (!IsWebSocketRequest) { 400; return; } using var socket = await
    /// context.WebSockets.AcceptWebSocketAsync(); ... })</c> (or the rest inside <c>if (IsWebSocketRequest) { ... } else { 400; }</c>),
    /// as a statement whose chained calls all accept an <c>IEndpointConventionBuilder</c>.
    /// </summary>
    public static UnauthenticatedAcceptRuntimePlan? TryCreateMapWebSocket(InvocationExpressionSyntax accept, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (WebSocketSymbols.TryGet(compilation) is not { } symbols
            || !RuntimeIsUsable(compilation)
            || compilation.GetTypeByMetadataName(EndpointExtensionsName) is not { } extensions
            || AcceptedSocket(accept) is not { } acceptStatement
            || accept.FirstAncestorOrSelf<LambdaExpressionSyntax>() is not { AsyncKeyword.RawKind: (int)SyntaxKind.AsyncKeyword, Block: { } body } lambda
            || lambda.AttributeLists.Count > 0
            || lambda is ParenthesizedLambdaExpressionSyntax { ReturnType: not null }
            || lambda.Modifiers.Any(m => !m.IsKind(SyntaxKind.AsyncKeyword))
            || model.GetSymbolInfo(lambda, cancellationToken).Symbol is not IMethodSymbol { Parameters.Length: 1 } handler
            || !SymbolEqualityComparer.Default.Equals(handler.ReturnType, symbols.Task)
            || !SymbolEqualityComparer.Default.Equals(handler.Parameters[0].Type, symbols.HttpContext)
            || !IsOnParameter(accept, handler.Parameters[0], model, cancellationToken)
            || Accepts(body).Count() != 1
            || lambda.Parent is not ArgumentSyntax { NameColon: null, Parent: ArgumentListSyntax { Arguments.Count: 2 } arguments, } handlerArgument
            || arguments.Arguments.IndexOf(handlerArgument) != 1
            || arguments.Parent is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax } mapAccess } map
            || model.GetSymbolInfo(map, cancellationToken).Symbol is not IMethodSymbol { Name: "Map" or "MapGet" } mapMethod
            || mapMethod.ContainingType?.ToDisplayString() != EndpointRouteBuilderExtensionsName
            || (mapMethod.ReducedFrom ?? mapMethod).Parameters is not { Length: 3 } mapParameters
            || mapParameters[1].Type.SpecialType != SpecialType.System_String
            || !ServerRuleHelpers.Implements(model.GetTypeInfo(mapAccess.Expression, cancellationToken).Type, symbols.EndpointRouteBuilder)
            || !ChainAcceptsConventionBuilder(map, model, symbols, cancellationToken))
        {
            return null;
        }

        var context = handler.Parameters[0];
        var remaining = HandlerBody(body, acceptStatement, context, model, symbols, cancellationToken);
        if (remaining is null
            || !remaining.Any(ContainsAwait)
            || FreeName(model, lambda.SpanStart, body) is not { } connectionName
            || ContextRewritesIn(remaining, context, connectionName, model, cancellationToken) is not { } rewrites
            || model.GetDeclaredSymbol(acceptStatement.Declaration.Variables[0], cancellationToken) is not ILocalSymbol socket
            || !SocketStaysInHandler(socket, remaining, model, cancellationToken)
            || !ExtensionResolves(model, map.SpanStart, model.GetTypeInfo(mapAccess.Expression, cancellationToken).Type, "MapWebSocket", extensions))
        {
            return null;
        }

        if (!TryFindRegistration(model, accept.SyntaxTree, cancellationToken, out var registration))
        {
            return null;
        }

        var socketName = remaining.Any(s => References(s, socket, model, cancellationToken)) ? socket.Name : null;
        return new UnauthenticatedAcceptRuntimePlan(mapsEndpoint: true, connectionName, socketName, registration)
        {
            Map = map,
            Handler = lambda,
            AcceptStatement = acceptStatement,
            HandlerStatements = remaining,
            ContextRewrites = rewrites,
        };
    }

    /// <summary>
    /// <c>[using] var socket = await httpContext.WebSockets.AcceptWebSocketAsync();</c> directly in a block of an async
    /// method or lambda returning <c>Task</c>, outside loops and <c>finally</c>, where returning early is what a refusal needs.
    /// </summary>
    public static UnauthenticatedAcceptRuntimePlan? TryCreateWebSocketAccept(InvocationExpressionSyntax accept, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (WebSocketSymbols.TryGet(compilation) is not { } symbols
            || !RuntimeIsUsable(compilation)
            || compilation.GetTypeByMetadataName(AcceptTypeName) is not { } acceptType
            || AcceptedSocket(accept) is not { Parent: BlockSyntax block } acceptStatement
            || accept.Expression is not MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WebSockets", Expression: var httpContext } }
            || httpContext is not (IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax })
            || !SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(httpContext, cancellationToken).Type, symbols.HttpContext)
            || ServerRuleHelpers.EnclosingLoop(acceptStatement) is not null
            || EnclosingFunction(acceptStatement) is not { } function
            || FunctionSymbol(function, model, cancellationToken) is not { IsAsync: true } method
            || !ServerRuleHelpers.AllowsBareReturn(method, symbols)
            || acceptStatement.Ancestors().TakeWhile(a => a != function).Any(a => a is FinallyClauseSyntax)
            || Accepts(function).Count() != 1
            || model.GetDeclaredSymbol(acceptStatement.Declaration.Variables[0], cancellationToken) is not ILocalSymbol socket
            || FreeName(model, acceptStatement.SpanStart, function) is not { } connectionName
            || !TypeResolves(model, acceptStatement.SpanStart, acceptType))
        {
            return null;
        }

        var following = block.Statements.Skip(block.Statements.IndexOf(acceptStatement) + 1).ToList();
        if (!SocketStaysInHandler(socket, following, model, cancellationToken)
            || !TryFindRegistration(model, accept.SyntaxTree, cancellationToken, out var registration))
        {
            return null;
        }

        var socketName = following.Any(s => References(s, socket, model, cancellationToken)) ? socket.Name : null;
        return new UnauthenticatedAcceptRuntimePlan(mapsEndpoint: false, connectionName, socketName, registration)
        {
            AcceptStatement = acceptStatement,
            HttpContext = httpContext,
        };
    }

    /// <summary>Applies the plans of one document together, adding <c>AddWebSocketGuard</c> at most once.</summary>
    public static async Task<Document> ApplyAsync(Document document, IReadOnlyList<UnauthenticatedAcceptRuntimePlan> plans, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        if (plans.Count == 0 || editor.SemanticModel.Compilation.GetTypeByMetadataName(EndpointExtensionsName) is not { } extensions)
        {
            return document;
        }

        var syntax = new FixSyntax(editor.SemanticModel, plans[0].AcceptStatement!.SpanStart);
        var newLine = NewLine(editor.OriginalRoot);
        foreach (var plan in plans)
        {
            if (plan.MapsEndpoint)
            {
                plan.RewriteEndpoint(editor);
            }
            else
            {
                plan.RewriteAccept(editor, syntax, newLine);
            }
        }

        var registration = plans.Select(p => p.Register).FirstOrDefault(r => r is not null);
        if (registration is not null)
        {
            InsertRegistration(editor, registration, newLine);
        }

        // The extension methods (MapWebSocket, AddWebSocketGuard) need their namespace; naming the class in scope records it.
        _ = syntax.Type(extensions);
        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    // app.Map(pattern, async (HttpContext context) => { ... }) -> app.MapWebSocket(pattern, async connection => { ... })
    private void RewriteEndpoint(DocumentEditor editor)
    {
        var lambda = Handler!;
        var statements = new List<StatementSyntax>();
        if (SocketName is not null)
        {
            statements.Add(SocketFromConnection().WithTriviaFrom(AcceptStatement!));
        }

        foreach (var statement in HandlerStatements)
        {
            var rewrites = ContextRewrites.Where(r => statement.Span.Contains(r.Key.Span)).ToDictionary(r => r.Key, r => r.Value);
            statements.Add(rewrites.Count == 0
                ? statement
                : statement.ReplaceNodes(rewrites.Keys, (original, _) => rewrites[original].WithTriviaFrom(original)));
        }

        statements[0] = statements[0].WithLeadingTrivia(WithoutLeadingBlankLines(statements[0].GetLeadingTrivia()));
        var parameterTrailing = lambda switch
        {
            ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.GetTrailingTrivia(),
            SimpleLambdaExpressionSyntax simple => simple.Parameter.GetTrailingTrivia(),
            _ => default,
        };
        var newLambda = SyntaxFactory.SimpleLambdaExpression(SyntaxFactory.Parameter(SyntaxFactory.Identifier(ConnectionName)).WithTrailingTrivia(parameterTrailing))
            .WithAsyncKeyword(lambda.AsyncKeyword)
            .WithArrowToken(lambda.ArrowToken)
            .WithBlock(lambda.Block!.WithStatements(SyntaxFactory.List(statements)).WithAdditionalAnnotations(Formatter.Annotation))
            .WithTriviaFrom(lambda);

        var name = ((MemberAccessExpressionSyntax)Map!.Expression).Name;
        editor.ReplaceNode(name, SyntaxFactory.IdentifierName("MapWebSocket").WithTriviaFrom(name));
        editor.ReplaceNode(lambda, newLambda);
    }

    // await using var connection = await WebSocketAccept.AcceptAsync(context);
    // if (connection is null) { return; }
    // var socket = connection.Socket;
    private void RewriteAccept(DocumentEditor editor, FixSyntax syntax, SyntaxTrivia newLine)
    {
        var statement = AcceptStatement!;
        var acceptCall = SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, syntax.Type(AcceptTypeName), SyntaxFactory.IdentifierName("AcceptAsync")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(HttpContext!.WithoutTrivia()))));
        var connection = SyntaxFactory.LocalDeclarationStatement(Declaration(ConnectionName, SyntaxFactory.AwaitExpression(acceptCall)))
            .WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(newLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var refused = SyntaxFactory.IfStatement(
                SyntaxFactory.IsPatternExpression(
                    SyntaxFactory.IdentifierName(ConnectionName),
                    SyntaxFactory.ConstantPattern(SyntaxFactory.LiteralExpression(SyntaxKind.NullLiteralExpression))),
                SyntaxFactory.Block(SyntaxFactory.ReturnStatement()))
            .WithAdditionalAnnotations(Formatter.Annotation);

        if (SocketName is null)
        {
            // A blank line after the check when code follows it, as after any guard.
            var last = statement.Parent is BlockSyntax block && block.Statements.Last() == statement;
            editor.InsertBefore(statement, connection);
            editor.ReplaceNode(statement, last ? refused.WithTrailingTrivia(statement.GetTrailingTrivia()) : refused.WithTrailingTrivia(newLine, newLine));
            return;
        }

        editor.InsertBefore(statement, new SyntaxNode[] { connection, refused.WithTrailingTrivia(newLine, newLine) });
        editor.ReplaceNode(statement, SocketFromConnection()
            .WithTrailingTrivia(statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation));
    }

    private LocalDeclarationStatementSyntax SocketFromConnection()
        => SyntaxFactory.LocalDeclarationStatement(Declaration(SocketName!, Member(SyntaxFactory.IdentifierName(ConnectionName), "Socket")));

    // builder.Services.AddWebSocketGuard(builder.Configuration); on its own line before the Build() statement.
    private static void InsertRegistration(DocumentEditor editor, Registration registration, SyntaxTrivia newLine)
    {
        var builder = SyntaxFactory.IdentifierName(registration.Builder);
        var call = SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                Member(Member(builder, "Services"), "AddWebSocketGuard"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(Member(builder, "Configuration"))))))
            .NormalizeWhitespace(eol: newLine.ToString());
        var indentation = registration.Build.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
        var anchor = registration.Build;
        if (anchor.Parent is GlobalStatementSyntax global)
        {
            editor.InsertBefore(global, SyntaxFactory.GlobalStatement(call.WithTrailingTrivia(newLine)));
            return;
        }

        editor.InsertBefore(anchor, call.WithLeadingTrivia(indentation).WithTrailingTrivia(newLine));
    }

    // The runtime's entry points the fixes call, all public: a reference assembly with a different shape gets no plan.
    private static bool RuntimeIsUsable(Compilation compilation)
        => HasStatic(compilation, AcceptTypeName, "AcceptAsync")
           && HasStatic(compilation, EndpointExtensionsName, "MapWebSocket")
           && HasStatic(compilation, ServiceExtensionsName, "AddWebSocketGuard")
           && compilation.GetTypeByMetadataName(WebApplicationBuilderName) is not null;

    private static bool HasStatic(Compilation compilation, string type, string method)
        => compilation.GetTypeByMetadataName(type) is { DeclaredAccessibility: Accessibility.Public } named
           && named.GetMembers(method).Any(m => m is IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public });

    // '[using] var socket = await x.WebSockets.AcceptWebSocketAsync();' with no subprotocol or accept context.
    private static LocalDeclarationStatementSyntax? AcceptedSocket(InvocationExpressionSyntax accept)
        => accept.ArgumentList.Arguments.Count == 0
           && accept.Parent is AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: 0 } statement } } } }
           && statement.Modifiers.Count == 0
            ? statement
            : null;

    private static IEnumerable<InvocationExpressionSyntax> Accepts(SyntaxNode node)
        => node.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: ServerRuleHelpers.AcceptMethodName });

    private static bool IsOnParameter(InvocationExpressionSyntax accept, IParameterSymbol parameter, SemanticModel model, CancellationToken cancellationToken)
        => accept.Expression is MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WebSockets", Expression: IdentifierNameSyntax context } }
           && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(context, cancellationToken).Symbol, parameter);

    // The handler's statements after the accept, once the IsWebSocketRequest guard that answers 400 is dropped; null for other shapes.
    private static List<StatementSyntax>? HandlerBody(BlockSyntax body, LocalDeclarationStatementSyntax accept, IParameterSymbol context, SemanticModel model, WebSocketSymbols symbols, CancellationToken cancellationToken)
    {
        var statements = body.Statements;

        // if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }  using var socket = ...; rest
        if (accept.Parent == body)
        {
            return statements.IndexOf(accept) == 1
                   && statements[0] is IfStatementSyntax { Else: null, Statement: BlockSyntax { Statements: { Count: 2 } guardStatements } } guard
                   && guardStatements[1] is ReturnStatementSyntax { Expression: null }
                   && IsWebSocketRequestCheck(guard.Condition, negated: true, context, model, symbols, cancellationToken)
                   && IsBadRequestStatus(guardStatements[0], context, model, cancellationToken)
                ? statements.Skip(2).ToList()
                : null;
        }

        // if (context.WebSockets.IsWebSocketRequest) { using var socket = ...; rest } else { context.Response.StatusCode = 400; [return;] }
        return statements.Count == 1
               && statements[0] is IfStatementSyntax { Statement: BlockSyntax inner, Else.Statement: BlockSyntax otherwise } branch
               && accept.Parent == inner
               && inner.Statements.IndexOf(accept) == 0
               && IsWebSocketRequestCheck(branch.Condition, negated: false, context, model, symbols, cancellationToken)
               && (otherwise.Statements.Count == 1 || (otherwise.Statements.Count == 2 && otherwise.Statements[1] is ReturnStatementSyntax { Expression: null }))
               && IsBadRequestStatus(otherwise.Statements[0], context, model, cancellationToken)
            ? inner.Statements.Skip(1).ToList()
            : null;
    }

    private static bool IsWebSocketRequestCheck(ExpressionSyntax condition, bool negated, IParameterSymbol context, SemanticModel model, WebSocketSymbols symbols, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(condition, cancellationToken);
        return ServerRuleHelpers.IsWebSocketRequestCheck(operation, symbols, out var isNegated)
               && isNegated == negated
               && operation!.DescendantsAndSelf().OfType<IPropertyReferenceOperation>().Any(p =>
                   p.Property.Name == "IsWebSocketRequest"
                   && p.Instance?.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "WebSockets", Instance: IParameterReferenceOperation reference }
                   && SymbolEqualityComparer.Default.Equals(reference.Parameter, context));
    }

    // context.Response.StatusCode = 400 (or StatusCodes.Status400BadRequest): what MapWebSocket answers itself.
    private static bool IsBadRequestStatus(StatementSyntax statement, IParameterSymbol context, SemanticModel model, CancellationToken cancellationToken)
        => statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment }
           && assignment.Left is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "StatusCode", Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Response", Expression: IdentifierNameSyntax owner } }
           && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(owner, cancellationToken).Symbol, context)
           && model.GetConstantValue(assignment.Right, cancellationToken) is { HasValue: true, Value: 400 };

    // Every call chained on the Map result must also take the IEndpointConventionBuilder MapWebSocket returns.
    private static bool ChainAcceptsConventionBuilder(InvocationExpressionSyntax map, SemanticModel model, WebSocketSymbols symbols, CancellationToken cancellationToken)
    {
        ExpressionSyntax current = map;
        while (current.Parent is MemberAccessExpressionSyntax access && access.Expression == current && access.Parent is InvocationExpressionSyntax next)
        {
            if (model.GetSymbolInfo(next, cancellationToken).Symbol is not IMethodSymbol { IsExtensionMethod: true } method
                || method.Name.StartsWith("AddEndpointFilter", System.StringComparison.Ordinal)
                || method.Name == "WithOpenApi"
                || (method.ReducedFrom ?? method).Parameters.FirstOrDefault()?.Type is not { } receiver
                || !TakesConventionBuilder(receiver, symbols))
            {
                return false;
            }

            current = next;
        }

        return current.Parent is ExpressionStatementSyntax or ArrowExpressionClauseSyntax or LambdaExpressionSyntax;
    }

    private static bool TakesConventionBuilder(ITypeSymbol receiver, WebSocketSymbols symbols)
        => SymbolEqualityComparer.Default.Equals(receiver, symbols.EndpointConventionBuilder)
           || (receiver is ITypeParameterSymbol { HasConstructorConstraint: false, HasValueTypeConstraint: false, HasUnmanagedTypeConstraint: false } parameter
               && parameter.ConstraintTypes.All(c => SymbolEqualityComparer.Default.Equals(c, symbols.EndpointConventionBuilder)));

    // context -> connection.HttpContext, context.RequestAborted -> connection.Aborted; null when context is written to.
    private static Dictionary<SyntaxNode, ExpressionSyntax>? ContextRewritesIn(IEnumerable<StatementSyntax> statements, IParameterSymbol context, string connection, SemanticModel model, CancellationToken cancellationToken)
    {
        var rewrites = new Dictionary<SyntaxNode, ExpressionSyntax>();
        foreach (var identifier in statements.SelectMany(s => s.DescendantNodes()).OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != context.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, context))
            {
                continue;
            }

            if (IsWritten(identifier))
            {
                return null;
            }

            if (identifier.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "RequestAborted" } aborted && aborted.Expression == identifier)
            {
                if (IsWritten(aborted))
                {
                    return null;
                }

                rewrites[aborted] = Member(SyntaxFactory.IdentifierName(connection), "Aborted");
            }
            else
            {
                rewrites[identifier] = Member(SyntaxFactory.IdentifierName(connection), "HttpContext");
            }
        }

        return rewrites;
    }

    private static bool IsWritten(ExpressionSyntax expression)
        => expression.Parent is AssignmentExpressionSyntax assignment && assignment.Left == expression
           || expression.Parent is ArgumentSyntax { RefKindKeyword.RawKind: not 0 }
           || expression.Parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax;

    /// <summary>
    /// The socket is only called, read, or passed to an awaited call: nothing keeps it past the handler, where the
    /// runtime closes and disposes it (an escaped socket is WSG2003's finding, and no rewrite of ours).
    /// </summary>
    private static bool SocketStaysInHandler(ILocalSymbol socket, IEnumerable<StatementSyntax> statements, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            foreach (var identifier in statement.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != socket.Name
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, socket))
                {
                    continue;
                }

                if (identifier.Ancestors().TakeWhile(a => a != statement.Parent).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                {
                    return false;
                }

                var used = identifier.Parent switch
                {
                    MemberAccessExpressionSyntax access => access.Expression == identifier && !IsWritten(access),
                    ConditionalAccessExpressionSyntax conditional => conditional.Expression == identifier,
                    ArgumentSyntax { RefKindKeyword.RawKind: 0, Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } } => IsAwaited(call),
                    _ => false,
                };
                if (!used)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsAwaited(InvocationExpressionSyntax call)
        => call.Parent is AwaitExpressionSyntax
           || call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax { Parent: AwaitExpressionSyntax } };

    private static bool References(SyntaxNode node, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
        => node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i =>
            i.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i, cancellationToken).Symbol, local));

    // An await the new lambda keeps (outside nested functions), so it still needs 'async' without warning CS1998.
    private static bool ContainsAwait(StatementSyntax statement)
        => statement.DescendantNodesAndSelf(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).Any(n =>
            n is AwaitExpressionSyntax
            || n is CommonForEachStatementSyntax { AwaitKeyword.RawKind: not 0 }
            || n is UsingStatementSyntax { AwaitKeyword.RawKind: not 0 }
            || n is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: not 0 });

    private static SyntaxNode? EnclosingFunction(SyntaxNode node)
        => node.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax) is { } function
           && function is not CompilationUnitSyntax
            ? function
            : null;

    private static IMethodSymbol? FunctionSymbol(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => function is AnonymousFunctionExpressionSyntax lambda
            ? model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;

    // 'connection', unless something by that name is in scope or declared in the function; then 'webSocketConnection'.
    private static string? FreeName(SemanticModel model, int position, SyntaxNode function)
        => ConnectionNames.FirstOrDefault(name =>
            model.LookupSymbols(position, name: name).IsEmpty
            && !function.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == name));

    // The short name written by the fix must mean the runtime's type at the edit.
    private static bool TypeResolves(SemanticModel model, int position, INamedTypeSymbol type)
        => model.LookupNamespacesAndTypes(position, name: type.Name).All(s => SymbolEqualityComparer.Default.Equals(s, type));

    // No other MapWebSocket extension of the user's that the call could bind to once the namespace is imported.
    private static bool ExtensionResolves(SemanticModel model, int position, ITypeSymbol? receiver, string name, INamedTypeSymbol owner)
        => receiver is not null
           && model.LookupSymbols(position, receiver, name, includeReducedExtensionMethods: true)
               .All(s => SymbolEqualityComparer.Default.Equals(s.ContainingType, owner));

    /// <summary>
    /// True when the runtime can run: the compilation calls <c>AddWebSocketGuard</c> (registration null), or this file has
    /// one <c>WebApplicationBuilder</c> local whose <c>Build()</c> sits in a statement list (registration goes before it).
    /// </summary>
    private static bool TryFindRegistration(SemanticModel model, SyntaxTree tree, CancellationToken cancellationToken, out Registration? registration)
    {
        registration = null;
        var compilation = model.Compilation;
        var services = compilation.GetTypeByMetadataName(ServiceExtensionsName);
        foreach (var other in compilation.SyntaxTrees)
        {
            var calls = other.GetRoot(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "AddWebSocketGuard" } or IdentifierNameSyntax { Identifier.ValueText: "AddWebSocketGuard" })
                .ToList();
            if (calls.Count == 0)
            {
                continue;
            }

            var otherModel = other == tree ? model : compilation.GetSemanticModel(other);
            if (calls.Any(c => otherModel.GetSymbolInfo(c, cancellationToken).Symbol is IMethodSymbol method
                               && SymbolEqualityComparer.Default.Equals(method.ContainingType, services)))
            {
                return true;
            }
        }

        var builderType = compilation.GetTypeByMetadataName(WebApplicationBuilderName);
        var builds = tree.GetRoot(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i is { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Build", Expression: IdentifierNameSyntax }, ArgumentList.Arguments.Count: 0 }
                        && model.GetSymbolInfo(((MemberAccessExpressionSyntax)i.Expression).Expression, cancellationToken).Symbol is ILocalSymbol local
                        && SymbolEqualityComparer.Default.Equals(local.Type, builderType))
            .ToList();
        if (builds.Count != 1
            || ServerRuleHelpers.StatementInList(builds[0]) is not { Parent: BlockSyntax or GlobalStatementSyntax } statement)
        {
            return false;
        }

        registration = new Registration(statement, ((IdentifierNameSyntax)((MemberAccessExpressionSyntax)builds[0].Expression).Expression).Identifier.ValueText);
        return true;
    }

    private static SyntaxTriviaList WithoutLeadingBlankLines(SyntaxTriviaList trivia)
    {
        // Drop whole blank lines at the top; the indentation of the first code line stays.
        var lastBlankLineEnd = -1;
        for (var i = 0; i < trivia.Count; i++)
        {
            if (trivia[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lastBlankLineEnd = i;
            }
            else if (!trivia[i].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                break;
            }
        }

        return SyntaxFactory.TriviaList(trivia.Skip(lastBlankLineEnd + 1));
    }

    private static VariableDeclarationSyntax Declaration(string name, ExpressionSyntax value)
        => SyntaxFactory.VariableDeclaration(
            SyntaxFactory.IdentifierName("var"),
            SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name)).WithInitializer(SyntaxFactory.EqualsValueClause(value))));

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));

    private static SyntaxTrivia NewLine(SyntaxNode root)
        => root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { } eol && eol.IsKind(SyntaxKind.EndOfLineTrivia)
            ? eol
            : SyntaxFactory.LineFeed;
}
