using System.Collections.Generic;
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
/// WSG1004 with the runtime referenced: an unbounded channel field drained by one send loop becomes a
/// <c>WebSocketSender</c> created in the constructor from the socket, the producers queue into it, and the pump
/// method waits for its completion. Offered only where that mapping is exact:
/// <list type="bullet">
/// <item>a private <c>Channel&lt;T&gt;</c> field (T <c>byte[]</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>,
/// <c>ArraySegment&lt;byte&gt;</c>, or <c>string</c> sent as UTF-8 text) created unbounded in its initializer, in a class with one
/// declaration and one constructor, which assigns a readonly socket field from a parameter;</item>
/// <item>every use of the field is a producer (<c>await Writer.WriteAsync(x)</c>, or <c>Writer.TryWrite(x)</c> where it can be awaited)
/// or a read in the pump;</item>
/// <item>the pump is an async method whose whole body is one loop that sends each item, whole, with no cancellation
/// (a cancellable pump stops sending when cancelled, which the sender cannot do without refusing later messages).</item>
/// </list>
/// Producers never waited on the unbounded channel, so the sender drops the newest message when full instead of waiting.
/// </summary>
internal sealed class UnboundedOutboundQueueSenderPlan
{
    private const string SenderType = "WebSocketGuard.WebSocketSender";
    private const string OptionsType = "WebSocketGuard.WebSocketSenderOptions";
    private const string PolicyType = "WebSocketGuard.SendOverflowPolicy";
    private const int MaxQueuedMessages = 1024;

    private UnboundedOutboundQueueSenderPlan(
        FieldDeclarationSyntax field,
        string fieldName,
        bool qualifyInConstructor,
        ConstructorDeclarationSyntax constructor,
        ExpressionStatementSyntax? socketAssignment,
        string socketParameter,
        List<Producer> producers,
        StatementSyntax pump,
        ExpressionSyntax pumpQueue,
        bool pumpConfigureAwait,
        string? messageType)
    {
        Field = field;
        FieldName = fieldName;
        QualifyInConstructor = qualifyInConstructor;
        Constructor = constructor;
        SocketAssignment = socketAssignment;
        SocketParameter = socketParameter;
        Producers = producers;
        Pump = pump;
        PumpQueue = pumpQueue;
        PumpConfigureAwait = pumpConfigureAwait;
        MessageType = messageType;
    }

    private FieldDeclarationSyntax Field { get; }

    private string FieldName { get; }

    // A constructor parameter or local hides the field: write 'this.' in front of it.
    private bool QualifyInConstructor { get; }

    private ConstructorDeclarationSyntax Constructor { get; }

    // The '_socket = socket;' statement; null when the constructor's expression body is that assignment.
    private ExpressionStatementSyntax? SocketAssignment { get; }

    private string SocketParameter { get; }

    private List<Producer> Producers { get; }

    private StatementSyntax Pump { get; }

    private ExpressionSyntax PumpQueue { get; }

    private bool PumpConfigureAwait { get; }

    // "Text" or "Binary" for byte payloads; null for strings, which are queued with SendTextAsync.
    private string? MessageType { get; }

    private sealed class Producer
    {
        public Producer(InvocationExpressionSyntax call, ExpressionSyntax queue, bool addAwait)
        {
            Call = call;
            Queue = queue;
            AddAwait = addAwait;
        }

        public InvocationExpressionSyntax Call { get; }

        public ExpressionSyntax Queue { get; }

        public bool AddAwait { get; }
    }

    // What the pump loop sends: from which socket field, as which message type, awaited how.
    private sealed class Send
    {
        public Send(IFieldSymbol socket, string messageType, bool configureAwait)
        {
            Socket = socket;
            MessageType = messageType;
            ConfigureAwait = configureAwait;
        }

        public IFieldSymbol Socket { get; }

        public string MessageType { get; }

        public bool ConfigureAwait { get; }
    }

    private sealed class Symbols
    {
        public Symbols(INamedTypeSymbol webSocket, INamedTypeSymbol reader, INamedTypeSymbol writer, INamedTypeSymbol token, INamedTypeSymbol encoding)
        {
            WebSocket = webSocket;
            Reader = reader;
            Writer = writer;
            Token = token;
            Encoding = encoding;
        }

        public INamedTypeSymbol WebSocket { get; }

        public INamedTypeSymbol Reader { get; }

        public INamedTypeSymbol Writer { get; }

        public INamedTypeSymbol Token { get; }

        public INamedTypeSymbol Encoding { get; }
    }

    public static UnboundedOutboundQueueSenderPlan? TryCreate(InvocationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        var compilation = model.Compilation;
        if (!IsPublic(compilation.GetTypeByMetadataName(SenderType))
            || !IsPublic(compilation.GetTypeByMetadataName(OptionsType))
            || !IsPublic(compilation.GetTypeByMetadataName(PolicyType))
            || compilation.GetTypeByMetadataName("System.Net.WebSockets.WebSocket") is not { } webSocket
            || compilation.GetTypeByMetadataName("System.Threading.Channels.Channel`1") is not { } channel
            || compilation.GetTypeByMetadataName("System.Threading.Channels.ChannelReader`1") is not { } reader
            || compilation.GetTypeByMetadataName("System.Threading.Channels.ChannelWriter`1") is not { } writer
            || compilation.GetTypeByMetadataName("System.Threading.CancellationToken") is not { } token
            || compilation.GetTypeByMetadataName("System.Text.Encoding") is not { } encoding
            || compilation.GetTypeByMetadataName("System.ReadOnlyMemory`1") is not { } readOnlyMemory)
        {
            return null;
        }

        var symbols = new Symbols(webSocket, reader, writer, token, encoding);
        if (!HasOnlyPlainOptions(creation)
            || creation.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 }
            || declarator.Parent.Parent is not FieldDeclarationSyntax fieldDeclaration
            || fieldDeclaration.Parent is not ClassDeclarationSyntax type
            || type.ParameterList is not null
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not IFieldSymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Private } field
            || field.ContainingType.DeclaringSyntaxReferences.Length != 1
            || field.Type is not INamedTypeSymbol { TypeArguments.Length: 1 } fieldType
            || !SymbolEqualityComparer.Default.Equals(fieldType.OriginalDefinition, channel))
        {
            return null;
        }

        // A type of the user's own with one of the runtime's names would clash with 'using WebSocketGuard;'.
        foreach (var runtimeType in new[] { SenderType, OptionsType, PolicyType })
        {
            var runtime = compilation.GetTypeByMetadataName(runtimeType);
            if (model.LookupNamespacesAndTypes(fieldDeclaration.SpanStart, container: null, name: runtime!.Name)
                .Any(s => !SymbolEqualityComparer.Default.Equals(s, runtime)))
            {
                return null;
            }
        }

        var item = fieldType.TypeArguments[0];
        var isText = item.SpecialType == SpecialType.System_String;
        var byteMemory = readOnlyMemory.Construct(compilation.GetSpecialType(SpecialType.System_Byte));
        if (!isText && !compilation.ClassifyConversion(item, byteMemory).IsImplicit)
        {
            return null;
        }

        // Every use of the field: a producer, or a read that must belong to the pump loop.
        var producers = new List<Producer>();
        var reads = new List<InvocationExpressionSyntax>();
        foreach (var reference in type.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (reference.Identifier.ValueText != field.Name
                || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(reference, cancellationToken).Symbol, field))
            {
                continue;
            }

            ExpressionSyntax queue = reference.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } qualified && qualified.Name == reference
                ? qualified
                : reference;
            if (queue.Parent is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Writer" or "Reader" } side
                || side.Expression != queue
                || side.Parent is not MemberAccessExpressionSyntax method
                || method.Expression != side
                || method.Parent is not InvocationExpressionSyntax call
                || call.Expression != method
                || model.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol called)
            {
                return null;
            }

            var owner = called.ContainingType.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(owner, reader))
            {
                reads.Add(call);
                continue;
            }

            if (!SymbolEqualityComparer.Default.Equals(owner, writer)
                || call.ArgumentList.Arguments.Count == 0
                || call.ArgumentList.Arguments.Any(a => a.NameColon is not null || a.RefKindKeyword.RawKind != 0)
                || !FitsPayload(call.ArgumentList.Arguments[0].Expression, isText, byteMemory, model, cancellationToken))
            {
                return null;
            }

            switch (called.Name)
            {
                case "TryWrite" when call.ArgumentList.Arguments.Count == 1 && CanAwaitAt(call):
                    producers.Add(new Producer(call, queue, addAwait: true));
                    break;
                case "WriteAsync" when IsAwaited(call):
                    producers.Add(new Producer(call, queue, addAwait: false));
                    break;
                default:
                    return null;
            }
        }

        if (producers.Count == 0
            || reads.Count == 0
            || MatchPump(reads[0], field, isText, symbols, model, cancellationToken) is not (var pump, var readsInPump, var send, var pumpQueue)
            || reads.Count != readsInPump.Count
            || reads.Any(r => !readsInPump.Contains(r))
            || !SymbolEqualityComparer.Default.Equals(send.Socket.ContainingType, field.ContainingType)
            || MatchConstructor(type, send.Socket, field, model, cancellationToken) is not (var constructor, var assignment, var parameter))
        {
            return null;
        }

        var hidden = constructor.ParameterList.Parameters.Any(p => p.Identifier.ValueText == field.Name)
            || constructor.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == field.Name
                && t.Parent is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or ForEachStatementSyntax or ParameterSyntax);
        return new UnboundedOutboundQueueSenderPlan(
            fieldDeclaration, field.Name, hidden, constructor, assignment, parameter, producers, pump, pumpQueue, send.ConfigureAwait, isText ? null : send.MessageType);
    }

    public async Task<Document> ApplyAsync(Document document, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var syntax = new FixSyntax(editor.SemanticModel, Field.SpanStart);
        var senderType = syntax.Type(SenderType);

        // The field: the sender, created in the constructor.
        var declaration = Field.Declaration;
        editor.ReplaceNode(declaration, SyntaxFactory.VariableDeclaration(
                senderType.WithTriviaFrom(declaration.Type),
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(declaration.Variables[0].Identifier.WithoutTrivia())))
            .WithTriviaFrom(declaration));

        // new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 1024, MaxQueuedBytes = 1024 * 1024, OverflowPolicy = SendOverflowPolicy.DropNewest })
        var options = SyntaxFactory.ObjectCreationExpression(syntax.Type(OptionsType))
            .WithInitializer(SyntaxFactory.InitializerExpression(
                SyntaxKind.ObjectInitializerExpression,
                SyntaxFactory.SeparatedList<ExpressionSyntax>(new[]
                {
                    Assign("MaxQueuedMessages", SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(MaxQueuedMessages))),

                    // Named because it is new: a message bigger than this is dropped, where the channel took any size.
                    Assign("MaxQueuedBytes", SyntaxFactory.BinaryExpression(SyntaxKind.MultiplyExpression, KiB(), KiB())),
                    Assign("OverflowPolicy", syntax.StaticMember(PolicyType, "DropNewest")),
                })));
        var create = SyntaxFactory.ObjectCreationExpression(senderType)
            .WithArgumentList(SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
            {
                SyntaxFactory.Argument(SyntaxFactory.IdentifierName(SocketParameter)),
                SyntaxFactory.Argument(options),
            })));
        ExpressionSyntax target = QualifyInConstructor
            ? Member(SyntaxFactory.ThisExpression(), FieldName)
            : SyntaxFactory.IdentifierName(FieldName);
        var assignSender = SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, target, create))
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (SocketAssignment is not null)
        {
            editor.InsertAfter(SocketAssignment, assignSender);
        }
        else if (Constructor.ExpressionBody is { } body)
        {
            // The line break after the expression body's semicolon moves to the block's closing brace.
            var block = SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(body.Expression.WithoutTrivia()), assignSender);
            block = block.WithCloseBraceToken(block.CloseBraceToken.WithTrailingTrivia(Constructor.SemicolonToken.TrailingTrivia));
            editor.ReplaceNode(Constructor, Constructor
                .WithExpressionBody(null)
                .WithSemicolonToken(default)
                .WithParameterList(Constructor.ParameterList.WithoutTrailingTrivia())
                .WithBody(block)
                .WithAdditionalAnnotations(Formatter.Annotation));
        }

        // Producers queue into the sender.
        var messageType = MessageType is null ? null : syntax.StaticMember("System.Net.WebSockets.WebSocketMessageType", MessageType);
        foreach (var producer in Producers)
        {
            var arguments = producer.Call.ArgumentList.Arguments;
            var sendArguments = new List<ArgumentSyntax> { arguments[0] };
            if (messageType is not null)
            {
                sendArguments.Add(SyntaxFactory.Argument(messageType));
            }

            sendArguments.AddRange(arguments.Skip(1));
            ExpressionSyntax send = SyntaxFactory.InvocationExpression(
                Member(producer.Queue.WithoutTrivia(), MessageType is null ? "SendTextAsync" : "SendAsync"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(sendArguments)));
            if (producer.AddAwait)
            {
                send = SyntaxFactory.AwaitExpression(send);
                if (producer.Call.Parent is MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax or ElementAccessExpressionSyntax or PostfixUnaryExpressionSyntax)
                {
                    send = SyntaxFactory.ParenthesizedExpression(send);
                }
            }

            editor.ReplaceNode(producer.Call, send.WithTriviaFrom(producer.Call));
        }

        // The pump waits for the sender, which fails with the same exception a failed send threw from the loop.
        ExpressionSyntax completion = Member(PumpQueue.WithoutTrivia(), "Completion");
        if (PumpConfigureAwait)
        {
            completion = SyntaxFactory.InvocationExpression(
                Member(completion, "ConfigureAwait"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression)))));
        }

        editor.ReplaceNode(Pump, SyntaxFactory.ExpressionStatement(SyntaxFactory.AwaitExpression(completion))
            .WithTriviaFrom(Pump)
            .WithAdditionalAnnotations(Formatter.Annotation));

        return await syntax.FinishAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
    }

    // Channel.CreateUnbounded<T>() or with 'new UnboundedChannelOptions { ... = literal }': hints only the unbounded channel uses.
    private static bool HasOnlyPlainOptions(InvocationExpressionSyntax creation)
    {
        var arguments = creation.ArgumentList.Arguments;
        return arguments.Count == 0
            || (arguments.Count == 1
                && arguments[0].Expression is ObjectCreationExpressionSyntax { ArgumentList: null or { Arguments.Count: 0 } } options
                && (options.Initializer?.Expressions ?? default).All(e => e is AssignmentExpressionSyntax { Left: IdentifierNameSyntax, Right: LiteralExpressionSyntax }));
    }

    private static bool FitsPayload(ExpressionSyntax argument, bool isText, INamedTypeSymbol byteMemory, SemanticModel model, CancellationToken cancellationToken)
        => isText
            ? model.GetTypeInfo(argument, cancellationToken).Type?.SpecialType == SpecialType.System_String
            : model.ClassifyConversion(argument, byteMemory).IsImplicit;

    // 'await queue.Writer.WriteAsync(x)' or 'await queue.Writer.WriteAsync(x).ConfigureAwait(false)'.
    private static bool IsAwaited(InvocationExpressionSyntax call)
        => call.Parent is AwaitExpressionSyntax
           || (call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure
               && configure.Expression == call
               && configure.Parent is InvocationExpressionSyntax { Parent: AwaitExpressionSyntax });

    // Inside an async method, local function or lambda, where 'await' is allowed.
    private static bool CanAwaitAt(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case LockStatementSyntax or UnsafeStatementSyntax or QueryExpressionSyntax or CatchFilterClauseSyntax:
                    return false;
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword) && !local.Modifiers.Any(SyntaxKind.UnsafeKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword) && !method.Modifiers.Any(SyntaxKind.UnsafeKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    // The loop the first read belongs to, when it is the whole body of an async method and only sends each item:
    //   await foreach (var m in queue.Reader.ReadAllAsync()) await socket.SendAsync(m, type, true, CancellationToken.None);
    //   while (await queue.Reader.WaitToReadAsync()) while (queue.Reader.TryRead(out var m)) await socket.SendAsync(...);
    //   while (true) { var m = await queue.Reader.ReadAsync(); await socket.SendAsync(...); }
    private static (StatementSyntax Loop, List<InvocationExpressionSyntax> Reads, Send Send, ExpressionSyntax Queue)? MatchPump(
        InvocationExpressionSyntax read, IFieldSymbol field, bool isText, Symbols symbols, SemanticModel model, CancellationToken cancellationToken)
    {
        var queue = ((MemberAccessExpressionSyntax)((MemberAccessExpressionSyntax)read.Expression).Expression).Expression;
        var name = ((MemberAccessExpressionSyntax)read.Expression).Name.Identifier.ValueText;
        if (!TakesNoToken(read, symbols, model, cancellationToken))
        {
            return null;
        }

        StatementSyntax? loop = null;
        StatementSyntax? body = null;
        ISymbol? item = null;
        var reads = new List<InvocationExpressionSyntax> { read };
        // The read, or 'read.ConfigureAwait(false)'.
        var outer = read.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure && configure.Expression == read
            ? configure.Parent as InvocationExpressionSyntax
            : read;
        switch (name)
        {
            case "ReadAllAsync" when outer?.Parent is ForEachStatementSyntax forEach && forEach.Expression == outer && forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword):
                loop = forEach;
                body = forEach.Statement;
                item = model.GetDeclaredSymbol(forEach, cancellationToken);
                break;

            case "WaitToReadAsync" when outer?.Parent is AwaitExpressionSyntax { Parent: WhileStatementSyntax whileReady } await
                                       && whileReady.Condition == await
                                       && Single(whileReady.Statement) is WhileStatementSyntax
                                       {
                                           Condition: InvocationExpressionSyntax
                                           {
                                               Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "TryRead", Expression: MemberAccessExpressionSyntax tryReadReader },
                                               ArgumentList.Arguments: { Count: 1 } tryReadArguments,
                                           } tryRead,
                                       } whileItem
                                       && tryReadArguments[0] is { RefKindKeyword.RawKind: (int)SyntaxKind.OutKeyword, Expression: DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax designation } }
                                       && IsSameField(tryReadReader, field, model, cancellationToken):
                loop = whileReady;
                body = whileItem.Statement;
                item = model.GetDeclaredSymbol(designation, cancellationToken);
                reads.Add(tryRead);
                break;

            case "ReadAsync" when outer?.Parent is AwaitExpressionSyntax { Parent: EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } }
                                 && declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0 } declaration }
                                 && declaration.Parent is BlockSyntax { Statements.Count: 2, Parent: WhileStatementSyntax { Condition: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression } } whileTrue } block
                                 && block.Statements[0] == declaration:
                loop = whileTrue;
                body = block.Statements[1];
                item = model.GetDeclaredSymbol(declarator, cancellationToken);
                break;
        }

        if (loop is null
            || body is null
            || item is not ILocalSymbol local
            || loop.Parent is not BlockSyntax { Statements.Count: 1, Parent: MethodDeclarationSyntax pump }
            || !pump.Modifiers.Any(SyntaxKind.AsyncKeyword)
            || MatchSend(Single(body), local, isText, symbols, model, cancellationToken) is not { } send)
        {
            return null;
        }

        return (loop, reads, send, queue);
    }

    // 'await socket.SendAsync(item, Text|Binary, true, CancellationToken.None)', the socket a field, the item whole
    // (or, for strings, Encoding.UTF8.GetBytes(item) sent as Text).
    private static Send? MatchSend(StatementSyntax? statement, ILocalSymbol item, bool isText, Symbols symbols, SemanticModel model, CancellationToken cancellationToken)
    {
        if (statement is not ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: var awaited } })
        {
            return null;
        }

        var send = WithoutConfigureAwait(awaited);
        var configureAwait = send != awaited && awaited is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } configureArguments }
            && configureArguments[0].Expression.IsKind(SyntaxKind.FalseLiteralExpression);
        if (send != awaited && !configureAwait)
        {
            return null;
        }

        if (send is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "SendAsync", Expression: var socketExpression }, ArgumentList.Arguments: { Count: 4 } arguments }
            || arguments.Any(a => a.NameColon is not null || a.RefKindKeyword.RawKind != 0)
            || model.GetSymbolInfo(send, cancellationToken).Symbol is not IMethodSymbol method
            || !IsOrDerives(method.ContainingType, symbols.WebSocket)
            || socketExpression is not (IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax })
            || model.GetSymbolInfo(socketExpression, cancellationToken).Symbol is not IFieldSymbol { IsStatic: false, IsReadOnly: true } socket
            || !IsOrDerives(socket.Type as INamedTypeSymbol, symbols.WebSocket)
            || model.GetConstantValue(arguments[2].Expression, cancellationToken) is not { HasValue: true, Value: true }
            || !IsNoToken(arguments[3].Expression, symbols, model, cancellationToken)
            || model.GetConstantValue(arguments[1].Expression, cancellationToken) is not { HasValue: true, Value: int type }
            || type is not (0 or 1))
        {
            return null;
        }

        var payload = arguments[0].Expression;
        if (isText)
        {
            // Encoding.UTF8.GetBytes(item), sent as Text: SendTextAsync encodes the same way.
            if (type != 0
                || payload is not InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } getBytesArguments, Expression: MemberAccessExpressionSyntax { Expression: var encodingExpression } }
                || getBytesArguments[0] is not { NameColon: null, Expression: IdentifierNameSyntax encoded }
                || model.GetSymbolInfo(payload, cancellationToken).Symbol is not IMethodSymbol { Name: "GetBytes", Parameters.Length: 1 } getBytes
                || getBytes.Parameters[0].Type.SpecialType != SpecialType.System_String
                || !IsOrDerives(getBytes.ContainingType, symbols.Encoding)
                || model.GetSymbolInfo(encodingExpression, cancellationToken).Symbol is not IPropertySymbol { Name: "UTF8", IsStatic: true } utf8
                || !SymbolEqualityComparer.Default.Equals(utf8.ContainingType, symbols.Encoding))
            {
                return null;
            }

            payload = encoded;
        }

        return payload is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(payload, cancellationToken).Symbol, item)
            ? new Send(socket, type == 0 ? "Text" : "Binary", configureAwait)
            : null;
    }

    // One constructor, not chained to another, assigning the socket field from a by-value parameter (optionally '?? throw ...')
    // before anything that could reach the queue.
    private static (ConstructorDeclarationSyntax Constructor, ExpressionStatementSyntax? Statement, string Parameter)? MatchConstructor(
        ClassDeclarationSyntax type, IFieldSymbol socket, IFieldSymbol queue, SemanticModel model, CancellationToken cancellationToken)
    {
        var constructors = type.Members.OfType<ConstructorDeclarationSyntax>().Where(c => !c.Modifiers.Any(SyntaxKind.StaticKeyword)).ToList();
        if (constructors.Count != 1 || constructors[0] is not { } constructor || constructor.Initializer?.ThisOrBaseKeyword.IsKind(SyntaxKind.ThisKeyword) == true)
        {
            return null;
        }

        // The socket field is assigned exactly once, here, and never passed by reference.
        var socketWrites = type.DescendantNodes().Count(n => n switch
        {
            AssignmentExpressionSyntax assignment => IsField(assignment.Left, socket, model, cancellationToken),
            ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument => IsField(argument.Expression, socket, model, cancellationToken),
            _ => false,
        });
        if (socketWrites != 1)
        {
            return null;
        }

        AssignmentExpressionSyntax? assignment = null;
        ExpressionStatementSyntax? statement = null;
        if (constructor.ExpressionBody?.Expression is AssignmentExpressionSyntax bodyAssignment)
        {
            assignment = bodyAssignment;
        }
        else if (constructor.Body is { } body)
        {
            foreach (var candidate in body.Statements)
            {
                if (candidate is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax a } expression && IsField(a.Left, socket, model, cancellationToken))
                {
                    assignment = a;
                    statement = expression;
                    break;
                }

                // Before the sender exists, nothing may reach the queue.
                if (candidate.DescendantNodesAndSelf().Any(n => n is InvocationExpressionSyntax or AnonymousFunctionExpressionSyntax
                        || (n is ThisExpressionSyntax && n.Parent is not MemberAccessExpressionSyntax { Parent: AssignmentExpressionSyntax })
                        || (n is IdentifierNameSyntax { Identifier.ValueText: var name } && name == queue.Name)))
                {
                    return null;
                }
            }
        }

        if (assignment is null
            || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
            || !IsField(assignment.Left, socket, model, cancellationToken))
        {
            return null;
        }

        var value = assignment.Right is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression, Right: ThrowExpressionSyntax } coalesce
            ? coalesce.Left
            : assignment.Right;
        return value is IdentifierNameSyntax parameterName
               && model.GetSymbolInfo(parameterName, cancellationToken).Symbol is IParameterSymbol { RefKind: RefKind.None } parameter
               && constructor.ParameterList.Parameters.Any(p => p.Identifier.ValueText == parameter.Name)
            ? (constructor, statement, parameter.Name)
            : null;
    }

    private static bool TakesNoToken(InvocationExpressionSyntax read, Symbols symbols, SemanticModel model, CancellationToken cancellationToken)
        => read.ArgumentList.Arguments.Count == 0
           || (read.ArgumentList.Arguments.Count == 1 && IsNoToken(read.ArgumentList.Arguments[0].Expression, symbols, model, cancellationToken));

    // CancellationToken.None, default, default(CancellationToken).
    private static bool IsNoToken(ExpressionSyntax expression, Symbols symbols, SemanticModel model, CancellationToken cancellationToken)
        => expression switch
        {
            LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } => true,
            DefaultExpressionSyntax => SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(expression, cancellationToken).Type, symbols.Token),
            _ => model.GetSymbolInfo(expression, cancellationToken).Symbol is IPropertySymbol { Name: "None", IsStatic: true } none
                 && SymbolEqualityComparer.Default.Equals(none.ContainingType, symbols.Token),
        };

    private static bool IsSameField(ExpressionSyntax expression, IFieldSymbol field, SemanticModel model, CancellationToken cancellationToken)
        => expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Reader", Expression: var owner } && IsField(owner, field, model, cancellationToken);

    private static bool IsField(ExpressionSyntax expression, IFieldSymbol field, SemanticModel model, CancellationToken cancellationToken)
        => expression is IdentifierNameSyntax or MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax }
           && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(expression, cancellationToken).Symbol, field);

    private static ExpressionSyntax WithoutConfigureAwait(ExpressionSyntax expression)
        => expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner }, ArgumentList.Arguments.Count: 1 }
            ? inner
            : expression;

    private static StatementSyntax? Single(StatementSyntax? statement)
        => statement is BlockSyntax block ? (block.Statements.Count == 1 ? block.Statements[0] : null) : statement;

    private static bool IsPublic(INamedTypeSymbol? type) => type is { DeclaredAccessibility: Accessibility.Public };

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

    private static AssignmentExpressionSyntax Assign(string property, ExpressionSyntax value)
        => SyntaxFactory.AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(property), value);

    private static LiteralExpressionSyntax KiB() => SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1024));

    private static MemberAccessExpressionSyntax Member(ExpressionSyntax owner, string name)
        => SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, owner, SyntaxFactory.IdentifierName(name));
}
