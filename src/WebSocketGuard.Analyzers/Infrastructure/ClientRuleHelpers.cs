using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>Flow and scope helpers shared by the client-resilience rules (WSG1001, WSG1003, WSG1005, WSG1006).</summary>
internal static class ClientRuleHelpers
{
    /// <summary>A call of <paramref name="name"/> declared on a WebSocket type.</summary>
    public static bool IsWebSocketCall(this IInvocationOperation invocation, WebSocketSymbols symbols, string name)
        => invocation.TargetMethod.Name == name && symbols.IsWebSocket(invocation.TargetMethod.ContainingType);

    /// <summary><c>ClientWebSocket.ConnectAsync</c> (or an override in a subclass).</summary>
    public static bool IsClientConnect(this IInvocationOperation invocation, WebSocketSymbols symbols)
        => invocation.TargetMethod.Name == "ConnectAsync"
           && WebSocketSymbols.IsOrDerivesFrom(invocation.TargetMethod.ContainingType, symbols.ClientWebSocket);

    /// <summary>A property backed by a compiler-made field: reading it twice gives the same object.</summary>
    public static bool IsAutoProperty(this IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsFunction(this IOperation operation)
        => operation is IAnonymousFunctionOperation or ILocalFunctionOperation;

    /// <summary>The nearest lambda or local function around the operation, or null when it sits directly in a member body.</summary>
    public static IOperation? EnclosingFunction(this IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.IsFunction())
            {
                return parent;
            }
        }

        return null;
    }

    /// <summary>Ancestors up to (not including) the nearest lambda or local function.</summary>
    public static IEnumerable<IOperation> AncestorsInFunction(this IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null && !parent.IsFunction(); parent = parent.Parent)
        {
            yield return parent;
        }
    }

    /// <summary>Descendants that run as part of this code, not inside nested lambdas or local functions.</summary>
    public static IEnumerable<IOperation> DescendantsInFunction(this IOperation operation)
    {
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            foreach (var child in current.ChildOperations)
            {
                if (child.IsFunction())
                {
                    continue;
                }

                yield return child;
                stack.Push(child);
            }
        }
    }

    /// <summary>True when the value's task is thrown away: an expression statement or <c>_ = ...</c>.</summary>
    public static bool IsDiscarded(this IOperation operation)
    {
        var consumer = operation.WalkUpConversions(out var value);
        return consumer is IExpressionStatementOperation
            || (consumer is ISimpleAssignmentOperation { Target: IDiscardOperation } assignment && assignment.Value == value);
    }

    /// <summary>The method, lambda or local function symbol the operation runs in.</summary>
    public static IMethodSymbol? EnclosingMethod(this IOperation operation, ISymbol containingSymbol)
    {
        return operation.EnclosingFunction() switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            ILocalFunctionOperation local => local.Symbol,
            _ => containingSymbol as IMethodSymbol,
        };
    }

    /// <summary>True when a local or parameter is declared inside <paramref name="container"/>. Fields never are.</summary>
    public static bool IsDeclaredWithin(this ISymbol symbol, SyntaxNode container)
    {
        if (symbol is not (ILocalSymbol or IParameterSymbol))
        {
            return false;
        }

        foreach (var reference in symbol.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == container.SyntaxTree && container.Span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when anything inside <paramref name="scope"/> (lambdas included) writes <paramref name="symbol"/>.</summary>
    public static bool IsWrittenWithin(this IOperation scope, ISymbol symbol)
    {
        foreach (var operation in scope.DescendantsAndSelf())
        {
            IOperation? target = operation switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };

            if (target is not null && SymbolEqualityComparer.Default.Equals(target.GetReferencedSymbol(), symbol))
            {
                return true;
            }

            if (operation is IDeconstructionAssignmentOperation deconstruction)
            {
                foreach (var element in deconstruction.Target.DescendantsAndSelf())
                {
                    if (SymbolEqualityComparer.Default.Equals(element.GetReferencedSymbol(), symbol))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>True when anything inside <paramref name="scope"/> reads or writes <paramref name="symbol"/>.</summary>
    public static bool References(this IOperation scope, ISymbol symbol)
    {
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

    /// <summary>True when one of the try's catch clauses catches a <c>WebSocketException</c> (its type, a base type, or everything).</summary>
    public static bool CatchesWebSocketException(this ITryOperation tryOperation, WebSocketSymbols symbols)
    {
        foreach (var clause in tryOperation.Catches)
        {
            var caught = clause.ExceptionType;
            if (caught is null || caught.SpecialType == SpecialType.System_Object || caught.TypeKind == TypeKind.Error)
            {
                return true;
            }

            if (caught is INamedTypeSymbol named && WebSocketSymbols.IsOrDerivesFrom(symbols.WebSocketException, named))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the operation runs inside the body of a <c>try</c> (in the same function) that catches <c>WebSocketException</c>.</summary>
    public static bool IsInsideWebSocketCatch(this IOperation operation, WebSocketSymbols symbols)
    {
        var child = operation;
        foreach (var ancestor in operation.AncestorsInFunction())
        {
            if (ancestor is ITryOperation tryOperation && child == tryOperation.Body && tryOperation.CatchesWebSocketException(symbols))
            {
                return true;
            }

            child = ancestor;
        }

        return false;
    }

    /// <summary>True when the operation runs in a catch clause of the same function.</summary>
    public static bool IsInsideCatch(this IOperation operation)
    {
        foreach (var ancestor in operation.AncestorsInFunction())
        {
            if (ancestor is ICatchClauseOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The nearest loop around the operation in the same function, or null.</summary>
    public static ILoopOperation? EnclosingLoop(this IOperation operation)
    {
        foreach (var ancestor in operation.AncestorsInFunction())
        {
            if (ancestor is ILoopOperation loop)
            {
                return loop;
            }
        }

        return null;
    }

    /// <summary>True for an <c>await foreach</c>, or a loop that takes items from a channel, blocking collection or queue.</summary>
    public static bool DrainsQueue(this ILoopOperation loop, WebSocketSymbols symbols)
    {
        if (loop is IForEachLoopOperation { IsAsynchronous: true })
        {
            return true;
        }

        foreach (var operation in loop.DescendantsInFunction())
        {
            if (operation is IInvocationOperation { TargetMethod.ContainingType: { } owner }
                && (SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, symbols.ChannelReader)
                    || SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, symbols.BlockingCollection)
                    || SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, symbols.ConcurrentQueue)
                    || SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, symbols.Queue)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for <c>lock</c>, <c>SemaphoreSlim.Wait[Async]</c> or <c>Monitor.Enter</c> in the function around the operation: sends are serialised.</summary>
    public static bool IsSerialised(this IOperation operation, WebSocketSymbols symbols)
    {
        foreach (var ancestor in operation.AncestorsInFunction())
        {
            if (ancestor is ILockOperation)
            {
                return true;
            }
        }

        var function = operation.EnclosingFunction() ?? operation.GetRoot();
        foreach (var descendant in function.DescendantsInFunction())
        {
            if (descendant is IInvocationOperation invocation)
            {
                var type = invocation.TargetMethod.ContainingType;
                if ((SymbolEqualityComparer.Default.Equals(type, symbols.SemaphoreSlim) && invocation.TargetMethod.Name.StartsWith("Wait", System.StringComparison.Ordinal))
                    || (SymbolEqualityComparer.Default.Equals(type, symbols.Monitor) && invocation.TargetMethod.Name.Contains("Enter")))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The operation sits in a try inside the loop whose catch lets the loop go round again.</summary>
    public static bool IsRetriedAfterCatch(this IOperation connect, ILoopOperation loop)
    {
        var child = (IOperation)connect;
        foreach (var ancestor in connect.AncestorsInFunction())
        {
            if (ancestor == loop)
            {
                return false;
            }

            if (ancestor is ITryOperation tryOperation && child == tryOperation.Body)
            {
                foreach (var clause in tryOperation.Catches)
                {
                    if (!EndsWithExit(clause.Handler))
                    {
                        return true;
                    }
                }
            }

            child = ancestor;
        }

        return false;
    }

    public static bool EndsWithExit(IBlockOperation handler)
    {
        if (handler.Operations.IsEmpty)
        {
            return false;
        }

        var last = handler.Operations[handler.Operations.Length - 1];
        return last is IThrowOperation or IReturnOperation or IBranchOperation { BranchKind: BranchKind.Break }
            || last is IExpressionStatementOperation { Operation: IThrowOperation };
    }

    /// <summary>
    /// 'while (true) { connect; pump; }': nothing but the condition ends the loop, and the condition is not a
    /// flag set in the loop or the socket's own state (those stop after one successful connect).
    /// </summary>
    public static bool RepeatsUnconditionally(this ILoopOperation loop, ISymbol? socket)
    {
        foreach (var operation in loop.Body.DescendantsInFunction())
        {
            if (operation is IReturnOperation or IThrowOperation
                || (operation is IBranchOperation { BranchKind: BranchKind.Break } branch && SymbolEqualityComparer.Default.Equals(branch.Target, loop.ExitLabel)))
            {
                return false;
            }
        }

        IOperation? condition = loop switch
        {
            IWhileLoopOperation whileLoop => whileLoop.Condition,
            IForLoopOperation forLoop => forLoop.Condition,
            _ => null,
        };

        if (loop is IForEachLoopOperation)
        {
            return false; // a bounded walk over endpoints: judged by the catch shape only
        }

        if (condition is null)
        {
            return true;
        }

        foreach (var operation in condition.DescendantsAndSelf())
        {
            var referenced = operation.GetReferencedSymbol();
            if (referenced is not null
                && (SymbolEqualityComparer.Default.Equals(referenced, socket) || loop.Body.IsWrittenWithin(referenced)))
            {
                return false;
            }
        }

        return true;
    }
}
