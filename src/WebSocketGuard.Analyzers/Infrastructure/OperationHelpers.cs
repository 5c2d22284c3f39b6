using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>Small IOperation utilities shared by the rules.</summary>
internal static class OperationHelpers
{
    /// <summary>Strips implicit and explicit conversions and parentheses.</summary>
    public static IOperation WalkDownConversions(this IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>Climbs past conversions and parentheses to the operation that consumes this value.</summary>
    public static IOperation? WalkUpConversions(this IOperation operation, out IOperation valueOperation)
    {
        valueOperation = operation;
        var parent = operation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            valueOperation = parent;
            parent = parent.Parent;
        }

        return parent;
    }

    /// <summary>
    /// The local, field or property this value is stored into (declaration, initializer or simple assignment), or null.
    /// </summary>
    public static ISymbol? StoredInto(this IOperation value)
    {
        var consumer = value.WalkUpConversions(out var outermostValue);
        return consumer switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            IFieldInitializerOperation { InitializedFields.Length: 1 } field => field.InitializedFields[0],
            IPropertyInitializerOperation { InitializedProperties.Length: 1 } property => property.InitializedProperties[0],
            ISimpleAssignmentOperation assignment when assignment.Value == outermostValue => assignment.Target.GetReferencedSymbol(),
            _ => null,
        };
    }

    /// <summary>The outermost operation of the block containing <paramref name="operation"/> (method body, field initializer...).</summary>
    public static IOperation GetRoot(this IOperation operation)
    {
        var current = operation;
        while (current.Parent is not null)
        {
            current = current.Parent;
        }

        return current;
    }

    /// <summary>The symbol a reference operation reads (local, parameter, field or property), or null.</summary>
    public static ISymbol? GetReferencedSymbol(this IOperation? operation)
    {
        return operation?.WalkDownConversions() switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field when IsThisOrStatic(field.Instance) => field.Field,
            IPropertyReferenceOperation property when IsThisOrStatic(property.Instance) && property.Arguments.IsEmpty => property.Property,
            _ => null,
        };
    }

    private static bool IsThisOrStatic(IOperation? instance)
        => instance is null || instance is IInstanceReferenceOperation;

    /// <summary>True when the value is a <see cref="TimeSpan"/> that switches a keep-alive or timeout off: zero, infinite or default.</summary>
    public static bool IsDisablingTimeSpan(this IOperation? value, WebSocketSymbols symbols)
    {
        if (value is null || symbols.TimeSpan is null)
        {
            return false;
        }

        var operation = value.WalkDownConversions();
        switch (operation)
        {
            case IDefaultValueOperation:
                return SymbolEqualityComparer.Default.Equals(operation.Type, symbols.TimeSpan);

            case IFieldReferenceOperation field:
                var type = field.Field.ContainingType;
                return (SymbolEqualityComparer.Default.Equals(type, symbols.TimeSpan) && field.Field.Name == "Zero")
                    || (SymbolEqualityComparer.Default.Equals(type, symbols.Timeout) && field.Field.Name == "InfiniteTimeSpan");

            case IInvocationOperation invocation
                when invocation.TargetMethod.IsStatic
                     && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.TimeSpan)
                     && invocation.TargetMethod.Name.StartsWith("From", StringComparison.Ordinal)
                     && invocation.Arguments.Length >= 1:
                return AllArgumentsAreConstant(invocation.Arguments, 0)
                    || (invocation.TargetMethod.Name == "FromMilliseconds" && invocation.Arguments.Length == 1 && IsConstant(invocation.Arguments[0].Value, -1));

            case IObjectCreationOperation creation
                when SymbolEqualityComparer.Default.Equals(creation.Type, symbols.TimeSpan):
                return creation.Arguments.IsEmpty || AllArgumentsAreConstant(creation.Arguments, 0);

            default:
                return false;
        }
    }

    private static bool AllArgumentsAreConstant(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, double expected)
    {
        foreach (var argument in arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (!IsConstant(argument.Value, expected))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the operation is a numeric constant equal to <paramref name="expected"/>.</summary>
    public static bool IsConstant(IOperation operation, double expected)
    {
        var constant = operation.ConstantValue;
        if (!constant.HasValue || constant.Value is null)
        {
            return false;
        }

        try
        {
            return constant.Value switch
            {
                int i => i == expected,
                long l => l == expected,
                double d => d == expected,
                float f => f == expected,
                short s => s == expected,
                decimal m => (double)m == expected,
                _ => false,
            };
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>Finds the method, lambda or local function whose body contains the operation.</summary>
    public static bool IsInside(this SyntaxNode node, SyntaxNode container)
        => container.Span.Contains(node.Span) && container.SyntaxTree == node.SyntaxTree;
}
