using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>Shared pieces of the server rules: what an accept is, request checks, enclosing functions, jumps.</summary>
internal static class ServerRuleHelpers
{
    public const string AcceptMethodName = "AcceptWebSocketAsync";

    /// <summary>ASP.NET Core <c>WebSocketManager.AcceptWebSocketAsync</c> or <c>HttpListenerContext.AcceptWebSocketAsync</c>.</summary>
    public static bool IsAccept(this IInvocationOperation invocation, WebSocketSymbols symbols)
        => invocation.TargetMethod.Name == AcceptMethodName
           && (WebSocketSymbols.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, symbols.AspNetWebSocketManager)
               || WebSocketSymbols.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, symbols.HttpListenerContext));

    public static bool IsHttpListenerAccept(this IInvocationOperation invocation, WebSocketSymbols symbols)
        => WebSocketSymbols.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, symbols.HttpListenerContext);

    /// <summary>True for a read of <c>IsWebSocketRequest</c> on ASP.NET Core's manager or on an <c>HttpListenerRequest</c>.</summary>
    public static bool IsWebSocketRequestProperty(IOperation? operation, WebSocketSymbols symbols)
        => operation?.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "IsWebSocketRequest" } property
           && (WebSocketSymbols.IsOrDerivesFrom(property.Property.ContainingType, symbols.AspNetWebSocketManager)
               || WebSocketSymbols.IsOrDerivesFrom(property.Property.ContainingType, symbols.HttpListenerRequest));

    /// <summary>
    /// True when the condition is exactly "is a WebSocket request" (<paramref name="negated"/> false)
    /// or "is not" (<c>!x</c>, <c>x == false</c>, <c>x is false</c>; <paramref name="negated"/> true).
    /// </summary>
    public static bool IsWebSocketRequestCheck(IOperation? condition, WebSocketSymbols symbols, out bool negated)
    {
        negated = false;
        var current = condition?.WalkDownConversions();
        while (current is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
        {
            negated = !negated;
            current = not.Operand.WalkDownConversions();
        }

        if (IsWebSocketRequestProperty(current, symbols))
        {
            return true;
        }

        if (current is IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary)
        {
            var (property, constant) = IsWebSocketRequestProperty(binary.LeftOperand, symbols)
                ? (binary.LeftOperand, binary.RightOperand)
                : (binary.RightOperand, binary.LeftOperand);
            if (IsWebSocketRequestProperty(property, symbols) && constant.ConstantValue is { HasValue: true, Value: bool value })
            {
                negated ^= value == (binary.OperatorKind == BinaryOperatorKind.NotEquals);
                return true;
            }
        }

        if (current is IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool matched } } } isPattern
            && IsWebSocketRequestProperty(isPattern.Value, symbols))
        {
            negated ^= !matched;
            return true;
        }

        return false;
    }

    /// <summary>The lambda, local function or member body that directly contains the operation.</summary>
    public static IOperation? EnclosingFunctionOrRoot(this IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return current;
            }

            if (current.Parent is null)
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>The method symbol of the function that directly contains the operation (lambda, local function or member).</summary>
    public static IMethodSymbol? EnclosingMethodSymbol(this IOperation operation, ISymbol containingSymbol)
        => operation.EnclosingFunctionOrRoot() switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            ILocalFunctionOperation local => local.Symbol,
            _ => containingSymbol as IMethodSymbol,
        };

    /// <summary>True when a plain <c>return;</c> is legal in the function: void, or async returning Task / ValueTask.</summary>
    public static bool AllowsBareReturn(IMethodSymbol? method, WebSocketSymbols symbols)
    {
        if (method is null)
        {
            return false;
        }

        if (method.ReturnsVoid)
        {
            return true;
        }

        return method.IsAsync
            && (SymbolEqualityComparer.Default.Equals(method.ReturnType, symbols.Task)
                || SymbolEqualityComparer.Default.Equals(method.ReturnType, symbols.ValueTask));
    }

    /// <summary>The nearest loop around <paramref name="node"/> inside its function, or null.</summary>
    public static StatementSyntax? EnclosingLoop(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax:
                    return (StatementSyntax)current;
                case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax
                    or AccessorDeclarationSyntax or CompilationUnitSyntax:
                    return null;
            }
        }

        return null;
    }

    /// <summary>True when control can run off the end of the statement (no return, throw, break, continue on every path).</summary>
    public static bool EndPointIsReachable(SemanticModel? model, StatementSyntax statement)
    {
        if (model is null)
        {
            return false;
        }

        var flow = model.AnalyzeControlFlow(statement);
        return flow is { Succeeded: true, EndPointIsReachable: true };
    }

    /// <summary>The statement that holds the node and sits directly in a block, switch section or top-level statement list.</summary>
    public static StatementSyntax? StatementInList(SyntaxNode node)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (current is StatementSyntax statement && current.Parent is BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax)
            {
                return statement;
            }

            if (current is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>All invocations in the operation tree, including those in nested lambdas.</summary>
    public static IEnumerable<IInvocationOperation> Invocations(this IOperation root)
    {
        foreach (var descendant in root.DescendantsAndSelf())
        {
            if (descendant is IInvocationOperation invocation)
            {
                yield return invocation;
            }
        }
    }

    /// <summary>The receiver of an instance or extension call (the <c>this</c> argument of a reduced extension).</summary>
    public static IOperation? Receiver(this IInvocationOperation invocation)
    {
        if (invocation.Instance is not null)
        {
            return invocation.Instance;
        }

        return invocation.TargetMethod.IsExtensionMethod && invocation.Arguments.Length > 0
            ? invocation.Arguments[0].Value
            : null;
    }

    /// <summary>True when the type is, or implements, the interface.</summary>
    public static bool Implements(ITypeSymbol? type, INamedTypeSymbol? @interface)
    {
        if (type is null || @interface is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, @interface))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, @interface))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The await that consumes the call's task, directly or through <c>.ConfigureAwait(...)</c>; null when not awaited.</summary>
    public static IAwaitOperation? AwaitOf(this IOperation invocation)
    {
        var parent = invocation.WalkUpConversions(out var value);
        if (parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == value)
        {
            parent = configure.WalkUpConversions(out _);
        }

        return parent as IAwaitOperation;
    }

    /// <summary>
    /// <c>MapHub&lt;THub&gt;(...)</c> of ASP.NET Core SignalR: its endpoint accepts WebSockets (the hub's default
    /// transport), so it is judged like an endpoint that accepts. <paramref name="hub"/>: the hub type.
    /// </summary>
    public static bool IsHubMapping(this IInvocationOperation invocation, WebSocketSymbols symbols, out INamedTypeSymbol? hub)
    {
        hub = null;
        var method = invocation.TargetMethod;
        if (method.Name != "MapHub"
            || method.TypeArguments.Length != 1
            || !SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.HubEndpointRouteBuilderExtensions))
        {
            return false;
        }

        hub = method.TypeArguments[0] as INamedTypeSymbol;
        return hub is not null;
    }

    /// <summary>
    /// The options lambda of a hub mapping (<c>MapHub&lt;T&gt;("/hub", o => ...)</c>); <paramref name="opaque"/> is true
    /// when options are passed in a form the rule cannot read (a method group or a variable).
    /// </summary>
    public static IAnonymousFunctionOperation? HubOptions(IInvocationOperation map, WebSocketSymbols symbols, out bool opaque)
    {
        opaque = false;
        foreach (var argument in map.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.Explicit || argument.Parameter?.Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                || invoke.Parameters.Length != 1
                || !SymbolEqualityComparer.Default.Equals(invoke.Parameters[0].Type, symbols.HttpConnectionDispatcherOptions))
            {
                continue;
            }

            var value = argument.Value.WalkDownConversions();
            if (value is IDelegateCreationOperation creation)
            {
                value = creation.Target;
            }

            if (value is IAnonymousFunctionOperation lambda)
            {
                return lambda;
            }

            opaque = !(value is ILiteralOperation or IDefaultValueOperation); // null or default: no options
        }

        return null;
    }

    /// <summary>
    /// False when the hub's options may leave WebSockets out: <c>Transports</c> set to anything but a constant that
    /// includes <c>HttpTransportType.WebSockets</c>, or options the rule cannot read.
    /// </summary>
    public static bool HubTakesWebSockets(IInvocationOperation map, WebSocketSymbols symbols)
    {
        var options = HubOptions(map, symbols, out var opaque);
        if (opaque)
        {
            return false;
        }

        foreach (var descendant in options?.Descendants() ?? System.Linq.Enumerable.Empty<IOperation>())
        {
            if (descendant is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Transports" } } assignment
                && !(assignment.Value.ConstantValue is { HasValue: true, Value: { } value } && (System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) & WebSocketsTransport) != 0))
            {
                return false;
            }

            if (descendant is ICompoundAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Transports" } })
            {
                return false;
            }
        }

        return true;
    }

    // HttpTransportType.WebSockets.
    private const long WebSocketsTransport = 1;

    /// <summary>The syntax kind helper for "is this inside that" on the same tree.</summary>
    public static bool Contains(this SyntaxNode container, IOperation operation)
        => container.SyntaxTree == operation.Syntax.SyntaxTree && container.Span.Contains(operation.Syntax.Span);
}
