using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// Whether a field, property or helper's value stays the same for the life of the object: set once at construction
/// (or in an options object's initializer) and never updated later. Works on syntax plus member symbols, because the
/// member may live in another file whose semantic model an analyzer must not ask for.
/// </summary>
internal static class SetOnceValues
{
    private const int MaxDepth = 6;

    /// <summary>
    /// Const, readonly, get-only or init-only auto-properties, a get-only property computing a set-once value, or a
    /// field / auto-property written nowhere outside constructors and object initializers.
    /// </summary>
    public static bool IsSetOnce(ISymbol member, Compilation compilation, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        switch (member)
        {
            case IFieldSymbol field:
                if (field.IsConst || field.IsReadOnly)
                {
                    return true;
                }

                return !field.DeclaringSyntaxReferences.IsEmpty && !IsWrittenOutsideConstruction(field, compilation);

            case IPropertySymbol property when property.Parameters.IsEmpty:
                if (!property.IsAutoProperty())
                {
                    return property.SetMethod is null && GetterIsSetOnce(property, compilation, depth);
                }

                return property.SetMethod is null
                    || property.SetMethod.IsInitOnly
                    || !IsWrittenOutsideConstruction(property, compilation);

            default:
                return false;
        }
    }

    /// <summary>
    /// How a project method waits: not at all, a fixed delay (its only <c>Delay</c>/<c>Sleep</c> calls take set-once
    /// values and it updates no state), or in a way that cannot be judged.
    /// </summary>
    public static HelperWait JudgeHelperWait(IMethodSymbol method, Compilation compilation)
    {
        if (method.DeclaringSyntaxReferences.Length != 1
            || method.DeclaringSyntaxReferences[0].GetSyntax() is not MethodDeclarationSyntax declaration)
        {
            return HelperWait.None;
        }

        SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody?.Expression;
        if (body is null)
        {
            return HelperWait.None;
        }

        var waits = false;
        var judgeable = true;
        foreach (var node in body.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Delay" or "Sleep" } } delay:
                    waits = true;
                    judgeable &= delay.ArgumentList.Arguments.Count > 0
                        && IsFixedSyntax(delay.ArgumentList.Arguments[0].Expression, method, compilation, 0);
                    break;
                case AssignmentExpressionSyntax or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }
                    or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                    judgeable = false; // a helper that updates state may grow its delay
                    break;
            }
        }

        return !waits ? HelperWait.None : judgeable ? HelperWait.Fixed : HelperWait.Unknown;
    }

    /// <summary>A parameterless project method that returns a set-once value (<c>TimeSpan ReconnectDelay() => _delay;</c>).</summary>
    public static bool ReturnsSetOnceValue(IMethodSymbol method, Compilation compilation)
    {
        if (!method.Parameters.IsEmpty
            || method.DeclaringSyntaxReferences.Length != 1
            || method.DeclaringSyntaxReferences[0].GetSyntax() is not MethodDeclarationSyntax declaration)
        {
            return false;
        }

        var value = declaration.ExpressionBody?.Expression;
        if (value is null && declaration.Body is { Statements.Count: 1 } body && body.Statements[0] is ReturnStatementSyntax { Expression: { } returned })
        {
            value = returned;
        }

        return value is not null && IsFixedSyntax(value, method, compilation, 0);
    }

    // A value built from literals, set-once members of the method's type and TimeSpan/Math arithmetic on them.
    // depth counts hops from member to member (a getter reading another getter), not the size of the expression.
    private static bool IsFixedSyntax(ExpressionSyntax expression, IMethodSymbol? method, Compilation compilation, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        var type = method?.ContainingType;
        switch (expression)
        {
            case LiteralExpressionSyntax:
                return true;
            case ParenthesizedExpressionSyntax parenthesized:
                return IsFixedSyntax(parenthesized.Expression, method, compilation, depth);
            case CastExpressionSyntax cast:
                return IsFixedSyntax(cast.Expression, method, compilation, depth);
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary:
                return IsFixedSyntax(unary.Operand, method, compilation, depth);
            case BinaryExpressionSyntax binary:
                return IsFixedSyntax(binary.Left, method, compilation, depth) && IsFixedSyntax(binary.Right, method, compilation, depth);
            case ConditionalExpressionSyntax conditional:
                return IsFixedSyntax(conditional.Condition, method, compilation, depth)
                    && IsFixedSyntax(conditional.WhenTrue, method, compilation, depth)
                    && IsFixedSyntax(conditional.WhenFalse, method, compilation, depth);
            case IdentifierNameSyntax identifier:
                return !DeclaresLocalNamed(method, identifier.Identifier.ValueText)
                    && FindMember(type, identifier.Identifier.ValueText) is { } member
                    && IsSetOnce(member, compilation, depth + 1);
            case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: IdentifierNameSyntax name }:
                return FindMember(type, name.Identifier.ValueText) is { } thisMember && IsSetOnce(thisMember, compilation, depth + 1);
            case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner, Name: IdentifierNameSyntax name }
                when type is not null && owner.Identifier.ValueText == type.Name:
                return FindMember(type, name.Identifier.ValueText) is { } staticMember && IsSetOnce(staticMember, compilation, depth + 1);
            case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "TimeSpan" or "Math" } } } call:
                return call.ArgumentList.Arguments.All(a => IsFixedSyntax(a.Expression, method, compilation, depth));
            default:
                return false;
        }
    }

    private static bool GetterIsSetOnce(IPropertySymbol property, Compilation compilation, int depth)
    {
        if (property.DeclaringSyntaxReferences.Length != 1
            || property.DeclaringSyntaxReferences[0].GetSyntax() is not PropertyDeclarationSyntax declaration)
        {
            return false;
        }

        var value = declaration.ExpressionBody?.Expression;
        var getter = declaration.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.GetAccessorDeclaration));
        value ??= getter?.ExpressionBody?.Expression;
        if (value is null && getter?.Body is { Statements.Count: 1 } body && body.Statements[0] is ReturnStatementSyntax { Expression: { } returned })
        {
            value = returned;
        }

        return value is not null && IsFixedSyntax(value, property.GetMethod, compilation, depth + 1);
    }

    private static bool DeclaresLocalNamed(IMethodSymbol? method, string name)
    {
        if (method is null)
        {
            return false;
        }

        if (method.Parameters.Any(p => p.Name == name))
        {
            return true;
        }

        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            foreach (var node in reference.GetSyntax().DescendantNodes())
            {
                if ((node is VariableDeclaratorSyntax declarator && declarator.Identifier.ValueText == name)
                    || (node is SingleVariableDesignationSyntax designation && designation.Identifier.ValueText == name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static ISymbol? FindMember(INamedTypeSymbol? type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers(name))
            {
                if (member is IFieldSymbol or IPropertySymbol)
                {
                    return member;
                }
            }
        }

        return null;
    }

    // Any write by this name outside a constructor, a member initializer or an object initializer. Matching by name
    // over-approximates the writes, which only makes the rule quieter. A private member can be written only in its own type.
    private static bool IsWrittenOutsideConstruction(ISymbol member, Compilation compilation)
    {
        var privateOnly = member.DeclaredAccessibility == Accessibility.Private
            && (member is not IPropertySymbol { SetMethod: { } setter } || setter.DeclaredAccessibility == Accessibility.Private);
        var trees = privateOnly
            ? member.ContainingType.DeclaringSyntaxReferences.Select(r => r.SyntaxTree).Distinct()
            : compilation.SyntaxTrees;

        foreach (var tree in trees)
        {
            foreach (var token in tree.GetRoot().DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == member.Name
                    && token.Parent is IdentifierNameSyntax name && IsWrite(name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsWrite(IdentifierNameSyntax name)
    {
        SyntaxNode target = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
        if (target.Parent is ConditionalAccessExpressionSyntax or MemberBindingExpressionSyntax)
        {
            return false;
        }

        var written = target.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == target && assignment.Parent is not InitializerExpressionSyntax,
            PrefixUnaryExpressionSyntax prefix => prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression),
            PostfixUnaryExpressionSyntax postfix => postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression),
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
            _ => false,
        };

        return written && !target.Ancestors().Any(a => a is ConstructorDeclarationSyntax);
    }
}

/// <summary>How a project helper method waits; see <see cref="SetOnceValues.JudgeHelperWait"/>.</summary>
internal enum HelperWait
{
    None,
    Fixed,
    Unknown,
}
