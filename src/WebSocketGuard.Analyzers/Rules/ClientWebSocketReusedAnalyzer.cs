using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1006: <c>ClientWebSocket.ConnectAsync</c> on an instance that may already have been started — in a retry loop
/// that never makes a new instance, in a catch block after the same socket was used, or in a reconnect path
/// (a <c>Reconnect*</c> method, a method that calls itself, or a method called again when the connection closes:
/// from a disconnect/close handler or the receive loop's Close branch) that reuses a field. A second <c>ConnectAsync</c> always throws.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ClientWebSocketReusedAnalyzer : WebSocketAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.ClientWebSocketReused,
        title: "ClientWebSocket reused for another connection attempt",
        messageFormat: "'{0}' may already have been started {1}: a ClientWebSocket connects once, so this ConnectAsync throws and the reconnect never recovers; create a new instance",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A ClientWebSocket can call ConnectAsync only once, whether the first attempt succeeded or failed. Reconnect code that calls ConnectAsync again on the same instance throws InvalidOperationException every time.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.ClientWebSocket is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
        context.RegisterSymbolStartAction(c => ReconnectFromCloseHandler.Start(c, symbols), SymbolKind.NamedType);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var connect = (IInvocationOperation)context.Operation;
        if (!connect.IsClientConnect(symbols))
        {
            return;
        }

        var socket = connect.Instance.GetReferencedSymbol();
        if (socket is null)
        {
            return;
        }

        var reason = ExistingReason(connect, socket, context.ContainingSymbol, symbols);
        if (reason is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, connect.Syntax.GetLocation(), socket.Name, reason));
        }
    }

    private static string? InRetryLoop(IInvocationOperation connect, ISymbol socket)
    {
        foreach (var ancestor in connect.AncestorsInFunction())
        {
            if (ancestor is ILoopOperation loop
                && !socket.IsDeclaredWithin(loop.Syntax)
                && !loop.IsWrittenWithin(socket)
                && !MayBeRecreatedByHelper(loop, socket)
                && (connect.IsRetriedAfterCatch(loop) || loop.RepeatsUnconditionally(socket)))
            {
                return "by an earlier iteration of this loop";
            }
        }

        return null;
    }

    private static string? InCatchAfterUse(IInvocationOperation connect, ISymbol socket, WebSocketSymbols symbols)
    {
        foreach (var ancestor in connect.AncestorsInFunction())
        {
            if (ancestor is ICatchClauseOperation clause
                && clause.Parent is ITryOperation tryOperation
                && (tryOperation.Body.References(socket) || IsConnectedBefore(tryOperation, socket, symbols))
                && !clause.Handler.IsWrittenWithin(socket)
                && !MayBeRecreatedByHelper(clause.Handler, socket))
            {
                return "by the attempt this catch block handles";
            }
        }

        return null;
    }

    // 'await socket.ConnectAsync(...); try { ... } catch { await socket.ConnectAsync(...); }'
    private static bool IsConnectedBefore(ITryOperation tryOperation, ISymbol socket, WebSocketSymbols symbols)
    {
        var function = tryOperation.EnclosingFunction() ?? tryOperation.GetRoot();
        foreach (var operation in function.DescendantsInFunction())
        {
            if (operation is IInvocationOperation call
                && call.Syntax.SpanStart < tryOperation.Syntax.SpanStart
                && call.IsClientConnect(symbols)
                && SymbolEqualityComparer.Default.Equals(call.Instance.GetReferencedSymbol(), socket))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ExistingReason(IInvocationOperation connect, ISymbol socket, ISymbol containingSymbol, WebSocketSymbols symbols)
        => InRetryLoop(connect, socket) ?? InCatchAfterUse(connect, socket, symbols) ?? InReconnectPath(connect, socket, containingSymbol);

    private static string? InReconnectPath(IInvocationOperation connect, ISymbol socket, ISymbol containingSymbol)
    {
        if (socket is not (IFieldSymbol or IPropertySymbol)
            || connect.EnclosingFunction() is not null
            || containingSymbol is not IMethodSymbol method)
        {
            return null;
        }

        var body = connect.GetRoot();
        if (body.IsWrittenWithin(socket) || MayBeRecreatedByHelper(body, socket))
        {
            return null;
        }

        if ((method.Name.StartsWith("Reconnect", StringComparison.OrdinalIgnoreCase)
             || method.Name.StartsWith("TryReconnect", StringComparison.OrdinalIgnoreCase))
            && !CallerRecreates(method, socket))
        {
            return $"by the first connection, since '{method.Name}' reconnects without creating one";
        }

        foreach (var operation in body.Descendants())
        {
            if (operation is IInvocationOperation call
                && SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition))
            {
                return $"by the previous call, since '{method.Name}' calls itself to retry";
            }
        }

        return null;
    }

    // A field may be replaced by a helper on the same type (ResetConnection()) that assigns it: stay silent then.
    private static bool MayBeRecreatedByHelper(IOperation scope, ISymbol socket)
    {
        if (socket is not (IFieldSymbol or IPropertySymbol))
        {
            return false;
        }

        foreach (var operation in scope.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation { Instance: null or IInstanceReferenceOperation } call
                && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, socket.ContainingType)
                && call.TargetMethod.MethodKind == MethodKind.Ordinary
                && !IsSelfCall(call, scope)
                && AssignsMember(call.TargetMethod, socket))
            {
                return true;
            }
        }

        return false;
    }

    // '_socket = new ClientWebSocket(); await ReconnectAsync();' in a member of the same type: the caller recreates it.
    private static bool CallerRecreates(IMethodSymbol method, ISymbol socket)
    {
        foreach (var typeReference in method.ContainingType.DeclaringSyntaxReferences)
        {
            foreach (var member in typeReference.GetSyntax().DescendantNodes().OfType<MemberDeclarationSyntax>())
            {
                if (member is not (BaseMethodDeclarationSyntax or PropertyDeclarationSyntax or EventDeclarationSyntax))
                {
                    continue;
                }

                var calls = false;
                var assigns = false;
                foreach (var node in member.DescendantNodes())
                {
                    calls |= node is InvocationExpressionSyntax { Expression: IdentifierNameSyntax name } && name.Identifier.ValueText == method.Name
                             || node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access } && access.Name.Identifier.ValueText == method.Name;
                    assigns |= node is AssignmentExpressionSyntax assignment && NameOf(assignment.Left) == socket.Name;
                }

                if (calls && assigns)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? NameOf(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        _ => null,
    };

    // Syntax only: the helper's body is not ours to bind, and a name match errs on the silent side.
    private static bool AssignsMember(IMethodSymbol method, ISymbol socket)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax().DescendantNodes())
            {
                var target = node switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left,
                    ArgumentSyntax { RefKindKeyword.RawKind: not 0 } argument => argument.Expression,
                    _ => null,
                };

                var name = target switch
                {
                    IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                    MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                    _ => null,
                };

                if (name == socket.Name)
                {
                    return true;
                }
            }
        }

        return false;
    }

    // The method calling itself (a retry by recursion) does not recreate anything.
    private static bool IsSelfCall(IInvocationOperation call, IOperation scope)
    {
        var root = scope.GetRoot().Syntax;
        foreach (var reference in call.TargetMethod.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == root.SyntaxTree && reference.Span.Contains(root.Span))
            {
                return true;
            }
        }

        return false;
    }
    /// <summary>
    /// A method that connects a socket field without creating it, called again when the connection ends: from a handler
    /// of a disconnect/close event, from a method named as such a handler, or from the receive loop's Close branch.
    /// Calls and connects are collected per type and joined when the type is done.
    /// </summary>
    private sealed class ReconnectFromCloseHandler
    {
        private readonly WebSocketSymbols _symbols;
        private readonly INamedTypeSymbol _type;
        private readonly ConcurrentBag<(IMethodSymbol Method, ISymbol Socket, Location Location)> _connects = new();
        private readonly ConcurrentBag<(IMethodSymbol Callee, IOperation Scope, IMethodSymbol? Caller, string? Context, Location Location)> _calls = new();
        private readonly ConcurrentDictionary<IMethodSymbol, string> _subscribedHandlers = new(SymbolEqualityComparer.Default);

        private ReconnectFromCloseHandler(WebSocketSymbols symbols, INamedTypeSymbol type)
        {
            _symbols = symbols;
            _type = type;
        }

        public static void Start(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            if (!type.GetMembers().Any(m => IsSocketStorage(m, symbols)))
            {
                return;
            }

            var state = new ReconnectFromCloseHandler(symbols, type);
            context.RegisterOperationAction(state.OnInvocation, OperationKind.Invocation);
            context.RegisterOperationAction(state.OnEventAssignment, OperationKind.EventAssignment);
            context.RegisterSymbolEndAction(state.OnTypeEnd);
        }

        // A field or auto-property of ClientWebSocket type: a computed property may hand out a new socket on each read.
        private static bool IsSocketStorage(ISymbol member, WebSocketSymbols symbols) => member switch
        {
            IFieldSymbol { IsImplicitlyDeclared: false } field => WebSocketSymbols.IsOrDerivesFrom(field.Type as INamedTypeSymbol, symbols.ClientWebSocket),
            IPropertySymbol property => WebSocketSymbols.IsOrDerivesFrom(property.Type as INamedTypeSymbol, symbols.ClientWebSocket) && property.IsAutoProperty(),
            _ => false,
        };

        private void OnInvocation(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (invocation.IsClientConnect(_symbols))
            {
                CollectConnect(invocation, context.ContainingSymbol);
                return;
            }

            var callee = invocation.TargetMethod;
            if (invocation.Instance is not (null or IInstanceReferenceOperation)
                || callee.MethodKind != MethodKind.Ordinary
                || !SymbolEqualityComparer.Default.Equals(callee.ContainingType?.OriginalDefinition, _type.OriginalDefinition))
            {
                return;
            }

            var function = invocation.EnclosingFunction();
            var scope = function ?? invocation.GetRoot();
            var caller = function is null ? context.ContainingSymbol as IMethodSymbol : null;
            var closeContext = SubscribedLambdaContext(function) ?? CloseBranchContext(invocation)
                ?? (caller is not null && IsCloseHandlerName(caller.Name) ? $"'{caller.Name}'" : null);
            if (closeContext is not null || caller is not null)
            {
                _calls.Add((callee.OriginalDefinition, scope, caller, closeContext, invocation.Syntax.GetLocation()));
            }
        }

        private void CollectConnect(IInvocationOperation connect, ISymbol containingSymbol)
        {
            if (connect.EnclosingFunction() is not null
                || containingSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method
                || connect.Instance.GetReferencedSymbol() is not { } socket
                || !IsSocketStorage(socket, _symbols)
                || !SymbolEqualityComparer.Default.Equals(socket.ContainingType?.OriginalDefinition, _type.OriginalDefinition))
            {
                return;
            }

            var body = connect.GetRoot();
            if (body.IsWrittenWithin(socket) || MayBeRecreatedByHelper(body, socket) || ExistingReason(connect, socket, containingSymbol, _symbols) is not null)
            {
                return;
            }

            _connects.Add((method.OriginalDefinition, socket, connect.Syntax.GetLocation()));
        }

        // 'Closed += OnSocketClosed': the method group becomes a close handler whatever its name.
        private void OnEventAssignment(OperationAnalysisContext context)
        {
            var assignment = (IEventAssignmentOperation)context.Operation;
            if (assignment.Adds
                && assignment.EventReference is IEventReferenceOperation { Event: { } subscribed }
                && IsCloseHandlerName(subscribed.Name)
                && assignment.HandlerValue.WalkDownConversions() is IDelegateCreationOperation { Target: IMethodReferenceOperation { Method: { } handler } }
                && SymbolEqualityComparer.Default.Equals(handler.ContainingType?.OriginalDefinition, _type.OriginalDefinition))
            {
                _subscribedHandlers.TryAdd(handler.OriginalDefinition, subscribed.Name);
            }
        }

        private void OnTypeEnd(SymbolAnalysisContext context)
        {
            if (_connects.IsEmpty || _calls.IsEmpty)
            {
                return;
            }

            // Name the first such call in source order, so the message does not depend on analysis order.
            var calls = _calls.OrderBy(c => c.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(c => c.Location.SourceSpan.Start).ToArray();
            foreach (var (method, socket, location) in _connects)
            {
                foreach (var (callee, scope, caller, closeContext, _) in calls)
                {
                    var handler = closeContext ?? SubscribedMethodContext(caller);
                    if (handler is null
                        || !SymbolEqualityComparer.Default.Equals(callee, method)
                        || SymbolEqualityComparer.Default.Equals(caller?.OriginalDefinition, method)
                        || scope.IsWrittenWithin(socket)
                        || MayBeRecreatedByHelper(scope, socket))
                    {
                        continue;
                    }

                    context.ReportDiagnostic(Diagnostic.Create(Rule, location, socket.Name,
                        $"by the first connection, since '{method.Name}' is called again from {handler} when the connection ends"));
                    break;
                }
            }
        }

        private string? SubscribedMethodContext(IMethodSymbol? caller)
            => caller is not null && _subscribedHandlers.TryGetValue(caller.OriginalDefinition, out var subscribed)
                ? $"'{caller.Name}', the '{subscribed}' handler"
                : null;

        // 'client.Disconnected += async (_, _) => await ConnectAsync();'
        private static string? SubscribedLambdaContext(IOperation? function)
        {
            var parent = function?.Parent;
            while (parent is IDelegateCreationOperation or IConversionOperation)
            {
                parent = parent.Parent;
            }

            return parent is IEventAssignmentOperation { Adds: true, EventReference: IEventReferenceOperation { Event: { } subscribed } } && IsCloseHandlerName(subscribed.Name)
                ? $"the '{subscribed.Name}' handler"
                : null;
        }

        // 'if (result.MessageType == WebSocketMessageType.Close) { await ConnectAsync(); }'
        private string? CloseBranchContext(IOperation operation)
        {
            IOperation current = operation;
            foreach (var ancestor in operation.AncestorsInFunction())
            {
                if (ancestor is IConditionalOperation conditional
                    && conditional.WhenTrue is { } whenTrue
                    && current == whenTrue
                    && IsCloseMessageTest(conditional.Condition))
                {
                    return "the branch that handles the Close message";
                }

                current = ancestor;
            }

            return null;
        }

        private bool IsCloseMessageTest(IOperation condition)
        {
            if (condition is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } test)
            {
                return false;
            }

            return (IsMessageType(test.LeftOperand) && IsCloseMember(test.RightOperand))
                   || (IsMessageType(test.RightOperand) && IsCloseMember(test.LeftOperand));
        }

        private bool IsMessageType(IOperation operand)
            => operand.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "MessageType" } property
               && ReceiveLoopHelpers.IsResultType(property.Property.ContainingType, _symbols);

        private bool IsCloseMember(IOperation operand)
            => operand.WalkDownConversions() is IFieldReferenceOperation { Field: { Name: "Close" } field }
               && SymbolEqualityComparer.Default.Equals(field.ContainingType, _symbols.WebSocketMessageType);

        private static bool IsCloseHandlerName(string name)
            => name.IndexOf("Disconnect", StringComparison.OrdinalIgnoreCase) >= 0
               || name.IndexOf("ConnectionLost", StringComparison.OrdinalIgnoreCase) >= 0
               || name.IndexOf("Closed", StringComparison.Ordinal) >= 0
               || name.StartsWith("OnClose", StringComparison.Ordinal)
               || name.StartsWith("HandleClose", StringComparison.Ordinal);
    }
}
