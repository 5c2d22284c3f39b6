using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1014: <c>CloseAsync</c> on a socket field that another member reads in a receive loop (the two compete for
/// the peer's Close frame), or an explicit <c>Dispose()</c> of a socket that was never closed (the peer sees 1006).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CloseRacingReceiveLoopAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: which shape was found.</summary>
    public const string KindProperty = "Kind";
    public const string KindRace = "Race";
    public const string KindDispose = "Dispose";

    /// <summary>Diagnostic property (dispose shape): "true" when the enclosing function can await a close before the dispose.</summary>
    public const string CanAwaitProperty = "CanAwait";

    /// <summary>Diagnostic property (dispose shape): the token the inserted close should pass.</summary>
    public const string TokenProperty = "Token";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.CloseRacingReceiveLoop,
        title: "CloseAsync racing the receive loop, or open socket disposed without a close",
        messageFormat: "{0}",
        category: RuleCategories.Usage,
        defaultSeverity: DiagnosticSeverity.Info,
        description: "CloseAsync sends a Close frame and then reads until the peer's Close arrives, so while another method is reading the same socket in a receive loop the two compete for incoming frames; CloseOutputAsync only sends the Close and lets the loop receive the answer. Disposing a socket that was never closed drops the connection without a close handshake, and the peer sees an abnormal closure (1006).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterSymbolStartAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
    }

    private sealed class TypeFacts
    {
        public readonly ConcurrentBag<(ISymbol Socket, ISymbol Member, IInvocationOperation Close)> Closes = new();
        public readonly ConcurrentDictionary<ISymbol, ConcurrentDictionary<ISymbol, bool>> Readers = new(SymbolEqualityComparer.Default);
        public readonly ConcurrentBag<(ISymbol Socket, IInvocationOperation Dispose, Diagnostic Diagnostic)> FieldDisposals = new();
        public readonly ConcurrentDictionary<ISymbol, SocketUse> FieldUses = new(SymbolEqualityComparer.Default);

        // Per method of the type: 1 when every call seen awaits it in place, 2 once some call runs it in the background.
        public readonly ConcurrentDictionary<ISymbol, int> CallStyles = new(SymbolEqualityComparer.Default);
        public int SeesPeerClose;
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var facts = new TypeFacts();

        context.RegisterOperationAction(c => CollectInvocation(c, facts, symbols), OperationKind.Invocation);
        context.RegisterOperationAction(c => CollectMemberReference(c, facts, symbols), OperationKind.FieldReference, OperationKind.PropertyReference);
        context.RegisterOperationAction(c => CollectInitializer(c, facts, symbols), OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
        context.RegisterSymbolEndAction(c => ReportType(c, facts));
    }

    private static void CollectInvocation(OperationAnalysisContext context, TypeFacts facts, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, context.ContainingSymbol.ContainingType))
        {
            var style = IsAwaitedInPlace(invocation) ? 1 : 2;
            facts.CallStyles.AddOrUpdate(method.OriginalDefinition, style, (_, seen) => System.Math.Max(seen, style));
        }

        if (method.Name is not ("CloseAsync" or "ReceiveAsync" or "Dispose") || invocation.Instance is null || !symbols.IsWebSocket(invocation.Instance.WalkDownConversions().Type))
        {
            return;
        }

        var socket = invocation.Instance is IConditionalAccessInstanceOperation
            ? FindConditionalAccessReceiver(invocation)
            : IoRuleHelpers.GetSocket(invocation);
        if (socket is null)
        {
            return;
        }

        switch (method.Name)
        {
            case "CloseAsync" when socket is IFieldSymbol or IPropertySymbol && symbols.IsWebSocket(method.ContainingType):
                if (!AnswersAReceivedClose(invocation, symbols))
                {
                    facts.Closes.Add((socket, context.ContainingSymbol, invocation));
                }

                break;

            case "ReceiveAsync" when socket is IFieldSymbol or IPropertySymbol && symbols.IsWebSocket(method.ContainingType) && IoRuleHelpers.IsInLoop(invocation):
                facts.Readers.GetOrAdd(socket, _ => new ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default))[context.ContainingSymbol] = true;
                break;

            // In a catch the failure has usually aborted the socket already.
            case "Dispose" when invocation.Arguments.IsEmpty && !IoRuleHelpers.IsInCatch(invocation):
                var diagnostic = CreateDisposeDiagnostic(invocation, socket, context.ContainingSymbol, symbols);
                if (diagnostic is null)
                {
                    break;
                }

                if (socket is IFieldSymbol or IPropertySymbol)
                {
                    facts.FieldDisposals.Add((socket, invocation, diagnostic));
                }
                else if (IsOpenedAndNeverClosedInBody(invocation, socket, symbols))
                {
                    context.ReportDiagnostic(diagnostic);
                }

                break;
        }
    }

    // A reader that returns a value and that the type only ever awaits in place is a request waiting for its response,
    // done before its caller goes on; a pump (no result), one never called here (an entry point), or one started
    // without an await may run beside the close.
    private static bool OnlyAwaitedInPlace(ISymbol reader, TypeFacts facts)
        => reader is IMethodSymbol { ReturnType: INamedTypeSymbol { IsGenericType: true, Name: "Task" or "ValueTask" } }
           && facts.CallStyles.TryGetValue(reader.OriginalDefinition, out var style) && style == 1;

    private static bool IsAwaitedInPlace(IInvocationOperation invocation)
    {
        var consumer = invocation.WalkUpConversions(out _);
        if (consumer is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance?.WalkDownConversions() == invocation)
        {
            consumer = configured.WalkUpConversions(out _);
        }

        if (consumer is not IAwaitOperation)
        {
            return false;
        }

        for (var parent = invocation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false; // awaited inside a lambda that may itself run in the background
            }
        }

        return true;
    }

    // socket?.Dispose(): the receiver is the conditional access's operand.
    private static ISymbol? FindConditionalAccessReceiver(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IConditionalAccessOperation conditional)
            {
                return conditional.Operation.GetReferencedSymbol();
            }
        }

        return null;
    }

    // if (result.MessageType == WebSocketMessageType.Close) await _socket.CloseAsync(...): answering the peer's Close is fine.
    private static bool AnswersAReceivedClose(IOperation close, WebSocketSymbols symbols)
    {
        for (var current = close.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }

            if (current is IConditionalOperation { Condition: { } condition } && MentionsClose(condition, symbols))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MentionsClose(IOperation operation, WebSocketSymbols symbols)
    {
        foreach (var node in operation.DescendantsAndSelf())
        {
            if (IsCloseMarker(node, symbols))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>WebSocketMessageType.Close</c>, <c>WebSocketState.CloseReceived</c>, or a read of <c>CloseStatus</c>.</summary>
    private static bool IsCloseMarker(IOperation operation, WebSocketSymbols symbols) => operation switch
    {
        IFieldReferenceOperation { Field.Name: "Close" } field => SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, symbols.WebSocketMessageType),
        IFieldReferenceOperation { Field.Name: "CloseReceived" } field => SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, symbols.WebSocketState),
        IPropertyReferenceOperation { Property.Name: "CloseStatus" } property =>
            symbols.IsWebSocket(property.Property.ContainingType)
            || SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.WebSocketReceiveResult),
        _ => false,
    };

    private static Diagnostic? CreateDisposeDiagnostic(IInvocationOperation dispose, ISymbol socket, ISymbol containingSymbol, WebSocketSymbols symbols)
    {
        var name = MethodName(dispose);
        if (name is null)
        {
            return null;
        }

        var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, KindDispose);
        var function = IoRuleHelpers.GetEnclosingFunction(dispose, containingSymbol, out _);
        if (function is { IsAsync: true } && dispose.Parent is IExpressionStatementOperation && !IoRuleHelpers.IsInLock(dispose))
        {
            var token = IoRuleHelpers.IsInCatchOrFinally(dispose) ? null : IoRuleHelpers.FindTokenInScope(dispose, containingSymbol, symbols);
            properties = properties
                .Add(CanAwaitProperty, "true")
                .Add(TokenProperty, token?.Expression);
        }

        var location = name.GetLocation();
        return Diagnostic.Create(Rule, location, properties,
            $"'{socket.Name}' is disposed without a close handshake: the peer sees an abnormal closure (1006); close it with CloseOutputAsync first");
    }

    // socket.Dispose() or socket?.Dispose(): the name the diagnostic points at (and the close fix renames).
    private static SimpleNameSyntax? MethodName(IInvocationOperation invocation) => invocation.Syntax switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Name,
        InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax binding } => binding.Name,
        _ => null,
    };

    /// <summary>A local or parameter: the body opens or uses it, never closes, aborts or hands it on, and never looks at its close state.</summary>
    private static bool IsOpenedAndNeverClosedInBody(IOperation dispose, ISymbol socket, WebSocketSymbols symbols)
    {
        var use = new SocketUse();
        foreach (var operation in dispose.GetRoot().Descendants())
        {
            if (IsCloseMarker(operation, symbols))
            {
                return false; // a receive loop that ends on the peer's Close
            }

            if (operation is IVariableDeclaratorOperation declarator
                && SymbolEqualityComparer.Default.Equals(declarator.Symbol, socket)
                && declarator.Initializer?.Value is { } initial)
            {
                use.RecordAssignedValue(initial, symbols);
            }

            if (SymbolEqualityComparer.Default.Equals(operation.GetReferencedSymbol(), socket)
                && operation is not (IConversionOperation or IParenthesizedOperation))
            {
                use.RecordReference(operation, symbols);
            }
        }

        return use.IsOpenedAndNeverClosed(requireCreation: false);
    }

    private static void CollectMemberReference(OperationAnalysisContext context, TypeFacts facts, WebSocketSymbols symbols)
    {
        var operation = context.Operation;
        if (IsCloseMarker(operation, symbols))
        {
            System.Threading.Interlocked.Exchange(ref facts.SeesPeerClose, 1);
            return;
        }

        var member = operation.GetReferencedSymbol();
        if (member is not (IFieldSymbol or IPropertySymbol) || !symbols.IsWebSocket(operation.Type)
            || !SymbolEqualityComparer.Default.Equals(member.ContainingType, context.ContainingSymbol.ContainingType))
        {
            return;
        }

        var use = facts.FieldUses.GetOrAdd(member, _ => new SocketUse());
        lock (use)
        {
            use.RecordReference(operation, symbols);
        }
    }

    private static void CollectInitializer(OperationAnalysisContext context, TypeFacts facts, WebSocketSymbols symbols)
    {
        var initializer = (ISymbolInitializerOperation)context.Operation;
        var members = initializer switch
        {
            IFieldInitializerOperation field => field.InitializedFields.CastArray<ISymbol>(),
            IPropertyInitializerOperation property => property.InitializedProperties.CastArray<ISymbol>(),
            _ => ImmutableArray<ISymbol>.Empty,
        };

        foreach (var member in members)
        {
            var type = member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;
            if (symbols.IsWebSocket(type))
            {
                var use = facts.FieldUses.GetOrAdd(member, _ => new SocketUse());
                lock (use)
                {
                    use.RecordAssignedValue(initializer.Value, symbols);
                }
            }
        }
    }

    private static void ReportType(SymbolAnalysisContext context, TypeFacts facts)
    {
        foreach (var (socket, member, close) in facts.Closes)
        {
            var name = MethodName(close);
            if (!facts.Readers.TryGetValue(socket, out var readers) || name is null)
            {
                continue;
            }

            ISymbol? otherReader = null;
            foreach (var reader in readers.Keys)
            {
                if (!SymbolEqualityComparer.Default.Equals(reader, member) && !OnlyAwaitedInPlace(reader, facts))
                {
                    otherReader = reader;
                    break;
                }
            }

            if (otherReader is null)
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, KindRace);
            context.ReportDiagnostic(Diagnostic.Create(Rule, name.GetLocation(), properties,
                $"CloseAsync on '{socket.Name}' waits for the peer's Close while '{otherReader.Name}' reads this socket in a receive loop; use CloseOutputAsync and let the loop receive the answer"));
        }

        if (System.Threading.Volatile.Read(ref facts.SeesPeerClose) != 0)
        {
            return; // some receive loop in the type ends on the peer's Close
        }

        foreach (var (socket, _, diagnostic) in facts.FieldDisposals)
        {
            if (socket.DeclaredAccessibility == Accessibility.Private
                && facts.FieldUses.TryGetValue(socket, out var use)
                && use.IsOpenedAndNeverClosed(requireCreation: true))
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }
}

/// <summary>What the code does with one socket variable: where it came from, whether it is closed, checked or handed on.</summary>
internal sealed class SocketUse
{
    private bool _created;
    private bool _accepted;
    private bool _usedForIo;
    private bool _closed;
    private bool _escapes;

    // Opened: accepted, or used for I/O. A ClientWebSocket that never connected has no peer to see a 1006.
    public bool IsOpenedAndNeverClosed(bool requireCreation)
        => !_closed && !_escapes && (_accepted || _usedForIo) && (!requireCreation || _created);

    public void RecordAssignedValue(IOperation value, WebSocketSymbols symbols)
    {
        var source = value.WalkDownConversions();
        if (source is IAwaitOperation awaited)
        {
            source = awaited.Operation.WalkDownConversions();
        }

        switch (source)
        {
            case IObjectCreationOperation creation when symbols.IsWebSocket(creation.Type):
                _created = true;
                break;
            case IInvocationOperation { TargetMethod.Name: "AcceptWebSocketAsync" }:
                _created = true;
                _accepted = true;
                break;
            case ILiteralOperation or IDefaultValueOperation:
                break; // = null
            default:
                _escapes = true; // a socket from elsewhere may be closed elsewhere
                break;
        }
    }

    public void RecordReference(IOperation reference, WebSocketSymbols symbols)
    {
        var consumer = reference.WalkUpConversions(out var value);
        switch (consumer)
        {
            case IInvocationOperation invocation when invocation.Instance == value:
                switch (invocation.TargetMethod.Name)
                {
                    case "CloseAsync" or "CloseOutputAsync" or "Abort":
                        _closed = true;
                        break;
                    case "ReceiveAsync" or "SendAsync" or "ConnectAsync":
                        _usedForIo = true;
                        break;
                }

                break;

            case IPropertyReferenceOperation { Property.Name: "CloseStatus" } property when property.Instance == value:
                _closed = true; // the code looks at how it closed
                break;

            case IPropertyReferenceOperation { Property.Name: "State" } property when property.Instance == value:
                if (ChecksForClosedState(property, symbols))
                {
                    _closed = true;
                }

                break;

            case IMemberReferenceOperation member when member.Instance == value:
                break; // socket.Options, socket.SubProtocol...

            case ISimpleAssignmentOperation assignment when assignment.Target == value:
                RecordAssignedValue(assignment.Value, symbols);
                break;

            case IConditionalAccessOperation conditional when conditional.Operation == value:
                break; // socket?.Dispose(): the member call is judged on its own

            case IBinaryOperation or IIsPatternOperation:
                break; // socket == null, socket is null

            default:
                _escapes = true; // argument, return, copy, capture into a collection...
                break;
        }
    }

    // State compared with anything but Open (== Closed, == Aborted, != Open, is ..., switch).
    private static bool ChecksForClosedState(IPropertyReferenceOperation state, WebSocketSymbols symbols)
    {
        var consumer = state.WalkUpConversions(out _);
        switch (consumer)
        {
            case IBinaryOperation binary:
                var other = (binary.LeftOperand.WalkDownConversions() == state ? binary.RightOperand : binary.LeftOperand).WalkDownConversions();
                var isOpen = other is IFieldReferenceOperation { Field.Name: "Open" } open
                             && SymbolEqualityComparer.Default.Equals(open.Field.ContainingType, symbols.WebSocketState);
                return !isOpen || binary.OperatorKind == BinaryOperatorKind.NotEquals;
            case IIsPatternOperation or ISwitchOperation or ISwitchExpressionOperation:
                return true;
            default:
                return false;
        }
    }
}
