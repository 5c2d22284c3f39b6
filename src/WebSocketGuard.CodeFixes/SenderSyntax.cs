using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.CodeFixes;

/// <summary>What the fixes that move sends onto the runtime's <c>WebSocketSender</c> agree on.</summary>
internal static class SenderSyntax
{
    /// <summary>
    /// <c>socket.SendAsync(payload, type, true, token)</c> that is exactly <c>sender.SendAsync(payload, type, token)</c>: the
    /// four-argument bool overload with the literal <c>true</c> for endOfMessage (a fragment cannot be queued as a message),
    /// arguments in parameter order, a payload whose own type converts to <c>ReadOnlyMemory&lt;byte&gt;</c> (target-typed
    /// and conditional payloads are not mapped), and a message type that is not the constant Close.
    /// </summary>
    public static bool IsWholeMessageSend(InvocationExpressionSyntax send, SemanticModel model, CancellationToken cancellationToken)
    {
        var arguments = send.ArgumentList.Arguments;
        if (model.GetSymbolInfo(send, cancellationToken).Symbol is not IMethodSymbol { Name: "SendAsync", Parameters.Length: 4 } method
            || method.Parameters[2].Type.SpecialType != SpecialType.System_Boolean
            || arguments.Count != 4
            || !arguments[2].Expression.IsKind(SyntaxKind.TrueLiteralExpression))
        {
            return false;
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i].RefKindKeyword.RawKind != 0
                || (arguments[i].NameColon is { } nameColon && nameColon.Name.Identifier.ValueText != method.Parameters[i].Name))
            {
                return false;
            }
        }

        var payload = arguments[0].Expression;
        return payload is not (ImplicitObjectCreationExpressionSyntax or LiteralExpressionSyntax or ConditionalExpressionSyntax or SwitchExpressionSyntax or CollectionExpressionSyntax)
            && IsMemoryConvertible(model.GetTypeInfo(payload, cancellationToken).Type)
            && model.GetConstantValue(arguments[1].Expression, cancellationToken) is not { HasValue: true, Value: 2 }; // WebSocketMessageType.Close
    }

    /// <summary><c>byte[]</c>, <c>ArraySegment&lt;byte&gt;</c>, <c>Memory&lt;byte&gt;</c>, <c>ReadOnlyMemory&lt;byte&gt;</c>: implicitly a <c>ReadOnlyMemory&lt;byte&gt;</c>.</summary>
    public static bool IsMemoryConvertible(ITypeSymbol? type)
    {
        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return true;
        }

        return type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            && named.TypeArguments[0].SpecialType == SpecialType.System_Byte
            && named.ContainingNamespace?.ToDisplayString() == "System"
            && named.Name is "ArraySegment" or "Memory" or "ReadOnlyMemory";
    }
}
