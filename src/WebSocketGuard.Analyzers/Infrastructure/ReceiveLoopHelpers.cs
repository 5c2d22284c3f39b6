using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>How the value of an awaited <c>ReceiveAsync</c> is kept.</summary>
internal enum ReceiveResultUse
{
    /// <summary><c>await socket.ReceiveAsync(...);</c> as a statement.</summary>
    Discarded,

    /// <summary>In a local, field or property (<c>var result = await ...</c>, <c>result = await ...</c>).</summary>
    Stored,

    /// <summary>Taken apart by a deconstruction into locals.</summary>
    Deconstructed,

    /// <summary>A member read straight off the awaited value: <c>(await socket.ReceiveAsync(...)).Count</c>.</summary>
    Inline,

    /// <summary>Handed to other code (an argument, a return value...): that code may do the checks.</summary>
    Escapes,
}

/// <summary>One <c>ReceiveAsync</c> call on a WebSocket, with what the receive-loop rules need to know about it.</summary>
internal sealed class ReceiveCall
{
    private ReceiveCall(
        IInvocationOperation invocation,
        IOperation value,
        ReceiveResultUse resultUse,
        ImmutableArray<ISymbol> resultSymbols,
        IOperation? bufferArgument,
        IArgumentOperation? tokenArgument,
        ILoopOperation? loop)
    {
        Invocation = invocation;
        Value = value;
        ResultUse = resultUse;
        ResultSymbols = resultSymbols;
        BufferArgument = bufferArgument;
        TokenArgument = tokenArgument;
        Loop = loop;
        Root = invocation.GetRoot();
    }

    public IInvocationOperation Invocation { get; }

    /// <summary>The await of the call (or the call itself when it is not awaited), whose value is the result.</summary>
    public IOperation Value { get; }

    public ReceiveResultUse ResultUse { get; }

    /// <summary>The local, field or property holding the result, or the locals it was deconstructed into.</summary>
    public ImmutableArray<ISymbol> ResultSymbols { get; }

    public IOperation? BufferArgument { get; }

    public IArgumentOperation? TokenArgument { get; }

    /// <summary>The nearest loop around the call in the same method, lambda or local function.</summary>
    public ILoopOperation? Loop { get; }

    /// <summary>The body of the member that contains the call (lambdas included).</summary>
    public IOperation Root { get; }

    public ISymbol? SocketSymbol => Invocation.Instance.GetReferencedSymbol();

    /// <summary>The receive buffer's array, segment or memory variable, seen through ArraySegment/AsMemory wrappers.</summary>
    public ISymbol? BufferSymbol => ReceiveLoopHelpers.UnwrapBuffer(BufferArgument).GetReferencedSymbol();

    /// <summary>The single local that stores the result, or null.</summary>
    public ILocalSymbol? ResultLocal
        => ResultUse == ReceiveResultUse.Stored && ResultSymbols.Length == 1 ? ResultSymbols[0] as ILocalSymbol : null;

    public static ReceiveCall? TryCreate(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (method.Name != "ReceiveAsync" || method.IsStatic || !symbols.IsWebSocket(method.ContainingType) || invocation.Instance is null)
        {
            return null;
        }

        IOperation? buffer = null;
        IArgumentOperation? token = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is null)
            {
                continue;
            }

            if (argument.Parameter.Ordinal == 0)
            {
                buffer = argument.Value;
            }
            else if (SymbolEqualityComparer.Default.Equals(argument.Parameter.Type, symbols.CancellationToken))
            {
                token = argument;
            }
        }

        var value = AwaitOf(invocation);
        var (use, resultSymbols) = ClassifyUse(value);
        return new ReceiveCall(invocation, value, use, resultSymbols, buffer, token, ReceiveLoopHelpers.EnclosingLoop(invocation));
    }

    /// <summary>True when <paramref name="operation"/> reads this call's result (its variable or, inline, the await itself).</summary>
    public bool IsResult(IOperation? operation)
    {
        if (operation is null)
        {
            return false;
        }

        var inner = operation.WalkDownConversions();
        if (inner == Value)
        {
            return true;
        }

        var symbol = inner.GetReferencedSymbol();
        return symbol is not null && ResultSymbols.Contains(symbol, SymbolEqualityComparer.Default);
    }

    /// <summary>
    /// True when the result (or its MessageType) is handed to other code, which may check it there;
    /// an argument to a call that <paramref name="isInspectedCallee"/> accepts does not count.
    /// </summary>
    public bool ResultEscapes(WebSocketSymbols symbols, System.Func<IInvocationOperation, bool>? isInspectedCallee = null)
    {
        if (ResultUse == ReceiveResultUse.Escapes)
        {
            return true;
        }

        if (ResultSymbols.IsEmpty)
        {
            return false;
        }

        foreach (var operation in Root.Descendants())
        {
            if (operation is IConversionOperation or IParenthesizedOperation
                || operation.GetReferencedSymbol() is not { } symbol
                || !ResultSymbols.Contains(symbol, SymbolEqualityComparer.Default)
                || !CarriesWholeResult(symbol, symbols))
            {
                continue;
            }

            var consumer = operation.WalkUpConversions(out var value);
            switch (consumer)
            {
                case IMemberReferenceOperation:
                case IBinaryOperation:
                case IIsPatternOperation:
                case ISwitchOperation:
                case ISwitchExpressionOperation:
                case IExpressionStatementOperation:
                case ISimpleAssignmentOperation assignment when assignment.Target == value:
                case IArgumentOperation { Parent: IInvocationOperation call } when symbols.IsWebSocket(call.TargetMethod.ContainingType):
                    break;
                case IArgumentOperation { Parent: IInvocationOperation callee } when isInspectedCallee is not null && isInspectedCallee(callee):
                    break;
                default:
                    return true;
            }
        }

        return false;
    }

    private static bool CarriesWholeResult(ISymbol symbol, WebSocketSymbols symbols)
    {
        var type = symbol switch
        {
            ILocalSymbol local => local.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            IParameterSymbol parameter => parameter.Type,
            _ => null,
        };
        return type is null
            || ReceiveLoopHelpers.IsResultType(type, symbols)
            || SymbolEqualityComparer.Default.Equals(type, symbols.WebSocketMessageType)
            || type.SpecialType == SpecialType.System_Object;
    }

    private static IOperation AwaitOf(IInvocationOperation invocation)
    {
        IOperation current = invocation;
        while (true)
        {
            var parent = current.WalkUpConversions(out var value);
            if (parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configure && configure.Instance == value)
            {
                current = configure;
                continue;
            }

            return parent is IAwaitOperation await ? await : current;
        }
    }

    private static (ReceiveResultUse Use, ImmutableArray<ISymbol> Symbols) ClassifyUse(IOperation value)
    {
        var consumer = value.WalkUpConversions(out var converted);
        switch (consumer)
        {
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                return (ReceiveResultUse.Stored, ImmutableArray.Create<ISymbol>(declarator.Symbol));
            case ISimpleAssignmentOperation assignment when assignment.Value == converted:
                var target = assignment.Target.GetReferencedSymbol();
                return target is null
                    ? (ReceiveResultUse.Escapes, ImmutableArray<ISymbol>.Empty)
                    : (ReceiveResultUse.Stored, ImmutableArray.Create(target));
            case IDeconstructionAssignmentOperation deconstruction when deconstruction.Value == converted:
                var locals = ImmutableArray.CreateBuilder<ISymbol>();
                foreach (var part in deconstruction.Target.Descendants())
                {
                    if (part is ILocalReferenceOperation local)
                    {
                        locals.Add(local.Local);
                    }
                }

                return (ReceiveResultUse.Deconstructed, locals.ToImmutable());
            case IMemberReferenceOperation member when member.Instance == converted:
                return (ReceiveResultUse.Inline, ImmutableArray<ISymbol>.Empty);
            case IExpressionStatementOperation:
                return (ReceiveResultUse.Discarded, ImmutableArray<ISymbol>.Empty);
            default:
                return (ReceiveResultUse.Escapes, ImmutableArray<ISymbol>.Empty);
        }
    }
}

/// <summary>Finding receive loops and what they do with the result: shared by WSG1007, WSG1008, WSG1009 and WSG1013.</summary>
internal static class ReceiveLoopHelpers
{
    public static bool IsResultType(ITypeSymbol? type, WebSocketSymbols symbols)
        => type is not null
           && (SymbolEqualityComparer.Default.Equals(type, symbols.ValueWebSocketReceiveResult)
               || WebSocketSymbols.IsOrDerivesFrom(type, symbols.WebSocketReceiveResult));

    /// <summary>A property of WebSocketReceiveResult or ValueWebSocketReceiveResult, such as EndOfMessage.</summary>
    public static bool IsResultProperty(IOperation operation, string name, WebSocketSymbols symbols)
        => operation is IPropertyReferenceOperation property
           && property.Property.Name == name
           && IsResultType(property.Property.ContainingType, symbols);

    /// <summary>True when anything under <paramref name="scope"/> reads the named result property.</summary>
    public static bool ReadsResultProperty(IOperation scope, string name, WebSocketSymbols symbols)
    {
        foreach (var operation in scope.DescendantsAndSelf())
        {
            if (IsResultProperty(operation, name, symbols))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The nearest loop around the operation without leaving its method, lambda or local function.</summary>
    public static ILoopOperation? EnclosingLoop(IOperation operation)
    {
        var child = operation;
        for (var current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return null;
                case IForEachLoopOperation forEach when forEach.Collection == child:
                    continue; // evaluated once, not per iteration
                case ILoopOperation loop:
                    return loop;
            }
        }

        return null;
    }

    /// <summary>
    /// A recursive "loop": the method or local function around <paramref name="operation"/> calls itself after it,
    /// unconditionally (not under an if, switch, loop, catch or short-circuit), so each call is one more iteration.
    /// </summary>
    public static bool CallsItselfAfter(IOperation operation, IOperation body, IMethodSymbol? method)
    {
        if (method is null || method.MethodKind is not (MethodKind.Ordinary or MethodKind.LocalFunction))
        {
            return false;
        }

        foreach (var descendant in body.DescendantsInFunction())
        {
            if (descendant is IInvocationOperation recursive
                && recursive.Syntax.SpanStart >= operation.Syntax.Span.End
                && SymbolEqualityComparer.Default.Equals(recursive.TargetMethod.OriginalDefinition, method.OriginalDefinition)
                && recursive.Instance is null or IInstanceReferenceOperation
                && IsUnconditional(recursive))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnconditional(IOperation operation)
    {
        foreach (var ancestor in operation.AncestorsInFunction())
        {
            if (ancestor is IConditionalOperation or ISwitchOperation or ISwitchExpressionOperation or ILoopOperation
                or ICoalesceOperation or IConditionalAccessOperation or ICatchClauseOperation or IBinaryOperation)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The outermost loop around the operation in the same method, lambda or local function.</summary>
    public static ILoopOperation? OutermostLoop(IOperation operation)
    {
        ILoopOperation? result = null;
        for (var loop = EnclosingLoop(operation); loop is not null; loop = EnclosingLoop(loop))
        {
            result = loop;
        }

        return result;
    }

    /// <summary>
    /// A loop that reads the fragments of one message: its condition, or an exit inside it, depends on EndOfMessage.
    /// Such a loop ends after a Close frame (EndOfMessage is true), so the message loop around it is the one to judge.
    /// </summary>
    public static bool IsFragmentLoop(ILoopOperation loop, WebSocketSymbols symbols)
    {
        var condition = loop switch
        {
            IWhileLoopOperation whileLoop => whileLoop.Condition,
            IForLoopOperation forLoop => forLoop.Condition,
            _ => null,
        };
        if (condition is not null && ReadsResultProperty(condition, "EndOfMessage", symbols))
        {
            return true;
        }

        foreach (var operation in loop.Body.DescendantsAndSelf())
        {
            if (operation is IConditionalOperation conditional
                && ReadsResultProperty(conditional.Condition, "EndOfMessage", symbols)
                && ExitsLoop(conditional.WhenTrue, loop))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ExitsLoop(IOperation operation, ILoopOperation loop)
    {
        foreach (var descendant in operation.DescendantsAndSelf())
        {
            if (descendant is IReturnOperation
                || (descendant is IBranchOperation { BranchKind: BranchKind.Break } branch && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The loop that repeats once per message: the nearest loop that is not a fragment loop.</summary>
    public static ILoopOperation? MessageLoop(ReceiveCall call, WebSocketSymbols symbols)
    {
        var loop = call.Loop;
        while (loop is not null && IsFragmentLoop(loop, symbols))
        {
            loop = EnclosingLoop(loop);
        }

        return loop;
    }

    /// <summary>Sees through <c>new ArraySegment&lt;byte&gt;(buffer)</c>, <c>buffer.AsMemory()</c>, <c>memory.Slice(...)</c> and conversions.</summary>
    public static IOperation? UnwrapBuffer(IOperation? operation)
    {
        for (var depth = 0; operation is not null && depth < 8; depth++)
        {
            operation = operation.WalkDownConversions();
            switch (operation)
            {
                case IObjectCreationOperation creation when creation.Arguments.Length > 0 && creation.Type is INamedTypeSymbol { IsGenericType: true }:
                    operation = creation.Arguments[0].Value;
                    break;
                case IInvocationOperation { TargetMethod.Name: "AsMemory" or "AsSpan" or "Slice" } invocation:
                    operation = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
                    break;
                default:
                    return operation;
            }
        }

        return operation;
    }

    /// <summary>True when anything under <paramref name="scope"/> references <paramref name="symbol"/>.</summary>
    public static bool References(IOperation scope, ISymbol? symbol)
    {
        if (symbol is null)
        {
            return false;
        }

        foreach (var operation in scope.DescendantsAndSelf())
        {
            if (operation is not (IConversionOperation or IParenthesizedOperation)
                && SymbolEqualityComparer.Default.Equals(operation.GetReferencedSymbol(), symbol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when anything under <paramref name="scope"/> reads this call's <c>Count</c>.</summary>
    public static bool ReadsCount(IOperation scope, ReceiveCall call, WebSocketSymbols symbols)
    {
        foreach (var operation in scope.DescendantsAndSelf())
        {
            if (IsResultProperty(operation, "Count", symbols) && call.IsResult(((IPropertyReferenceOperation)operation).Instance))
            {
                return true;
            }

            // Deconstructed results: the int local holding the count.
            if (call.ResultUse == ReceiveResultUse.Deconstructed
                && operation is ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Int32 } local
                && call.ResultSymbols.Contains(local.Local, SymbolEqualityComparer.Default))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>An invocation of CloseAsync or CloseOutputAsync on any WebSocket.</summary>
    public static bool IsCloseCall(IOperation operation, WebSocketSymbols symbols)
        => operation is IInvocationOperation { TargetMethod.Name: "CloseAsync" or "CloseOutputAsync" } invocation
           && symbols.IsWebSocket(invocation.TargetMethod.ContainingType);

    /// <summary>The method, lambda or local function that contains the operation, when it is known.</summary>
    public static IMethodSymbol? EnclosingFunction(IOperation operation, ISymbol? containingSymbol)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation lambda:
                    return lambda.Symbol;
                case ILocalFunctionOperation local:
                    return local.Symbol;
            }
        }

        return containingSymbol as IMethodSymbol;
    }

    /// <summary>Where the socket of a receive comes from: true for a server socket, false for a client, null when unknown.</summary>
    public static bool? IsServerSocket(ReceiveCall call, IMethodSymbol? function, WebSocketSymbols symbols)
    {
        var instance = call.Invocation.Instance?.WalkDownConversions();
        if (instance is IPropertyReferenceOperation { Property.Name: "WebSocket" } contextSocket
            && WebSocketSymbols.IsOrDerivesFrom(contextSocket.Property.ContainingType, symbols.WebSocketContext))
        {
            return true;
        }

        var socket = call.SocketSymbol;
        var declaredType = socket switch
        {
            ILocalSymbol local => local.Type,
            IParameterSymbol parameter => parameter.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => instance?.Type,
        };
        if (WebSocketSymbols.IsOrDerivesFrom(declaredType, symbols.ClientWebSocket))
        {
            return false;
        }

        switch (socket)
        {
            case ILocalSymbol local:
                return SourceOfLocal(local, call.Root, symbols);
            case IParameterSymbol:
                return IsServerHandler(function, symbols) ? true : null;
            default:
                return null;
        }
    }

    private static bool? SourceOfLocal(ILocalSymbol local, IOperation root, WebSocketSymbols symbols)
    {
        bool? result = null;
        foreach (var operation in root.Descendants())
        {
            IOperation? value = operation switch
            {
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local) => declarator.Initializer?.Value,
                ISimpleAssignmentOperation assignment when SymbolEqualityComparer.Default.Equals(assignment.Target.GetReferencedSymbol(), local) => assignment.Value,
                _ => null,
            };
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.DescendantsAndSelf())
            {
                if (part is IInvocationOperation { TargetMethod.Name: "AcceptWebSocketAsync" })
                {
                    return true;
                }

                if (part is IInvocationOperation { TargetMethod.Name: "CreateFromStream" } create
                    && SymbolEqualityComparer.Default.Equals(create.TargetMethod.ContainingType, symbols.WebSocket))
                {
                    foreach (var argument in create.Arguments)
                    {
                        if (argument.Parameter?.Name == "isServer" && argument.Value.ConstantValue is { HasValue: true, Value: bool isServer })
                        {
                            result = isServer;
                        }
                    }
                }

                if (part is IObjectCreationOperation creation && WebSocketSymbols.IsOrDerivesFrom(creation.Type, symbols.ClientWebSocket))
                {
                    result = false;
                }
            }
        }

        return result;
    }

    // A method that receives the socket together with the request, or any WebSocket parameter in a web app.
    private static bool IsServerHandler(IMethodSymbol? function, WebSocketSymbols symbols)
    {
        if (function is null)
        {
            return false;
        }

        foreach (var parameter in function.Parameters)
        {
            if (WebSocketSymbols.IsOrDerivesFrom(parameter.Type, symbols.HttpContext)
                || WebSocketSymbols.IsOrDerivesFrom(parameter.Type, symbols.HttpListenerContext)
                || WebSocketSymbols.IsOrDerivesFrom(parameter.Type, symbols.WebSocketContext))
            {
                return true;
            }
        }

        return symbols.AspNetWebSocketManager is not null;
    }

    /// <summary>All reads of a symbol under a scope (conversions and parentheses skipped).</summary>
    public static IEnumerable<IOperation> ReferencesOf(IOperation scope, ISymbol symbol)
    {
        foreach (var operation in scope.Descendants())
        {
            if (operation is not (IConversionOperation or IParenthesizedOperation)
                && SymbolEqualityComparer.Default.Equals(operation.GetReferencedSymbol(), symbol))
            {
                yield return operation;
            }
        }
    }

    /// <summary>True when a plain <c>return;</c> leaves the function: async void, Task or ValueTask.</summary>
    public static bool CanReturn(IMethodSymbol? function, WebSocketSymbols symbols)
    {
        if (function is null || !function.IsAsync)
        {
            return false;
        }

        var returnType = function.ReturnType;
        return returnType.SpecialType == SpecialType.System_Void
            || SymbolEqualityComparer.Default.Equals(returnType, symbols.Task)
            || SymbolEqualityComparer.Default.Equals(returnType, symbols.ValueTask);
    }
}
