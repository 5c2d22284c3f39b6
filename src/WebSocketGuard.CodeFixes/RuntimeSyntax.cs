using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// Calls into the WebSocketGuard runtime, for fixes in projects that reference it; plain BCL code otherwise.
/// </summary>
internal static class RuntimeSyntax
{
    public const string GracefulCloseType = "WebSocketGuard.GracefulClose";

    /// <summary>Whether the project references the runtime's <c>GracefulClose.CloseAsync</c>.</summary>
    public static bool HasGracefulClose(Compilation compilation)
        => compilation.GetTypeByMetadataName(GracefulCloseType) is { DeclaredAccessibility: Accessibility.Public } type
           && type.GetMembers("CloseAsync").Any(m => m is IMethodSymbol { IsStatic: true, DeclaredAccessibility: Accessibility.Public });

    /// <summary>
    /// <c>GracefulClose.CloseAsync(socket, status[, description][, cancellationToken: token])</c>: the handshake bounded by
    /// the runtime's default 5 s timeout. The type name is qualified for <see cref="IoFixSyntax.AddImportsAsync"/> to shorten.
    /// </summary>
    public static InvocationExpressionSyntax GracefulCloseCall(ExpressionSyntax socket, ExpressionSyntax status, ExpressionSyntax? description, ExpressionSyntax? token)
    {
        var arguments = new List<ArgumentSyntax> { SyntaxFactory.Argument(socket), SyntaxFactory.Argument(status) };
        if (description is not null)
        {
            arguments.Add(SyntaxFactory.Argument(description));
        }

        if (token is not null)
        {
            arguments.Add(SyntaxFactory.Argument(token).WithNameColon(SyntaxFactory.NameColon("cancellationToken")));
        }

        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IoFixSyntax.QualifiedTypeExpression(GracefulCloseType), SyntaxFactory.IdentifierName("CloseAsync")),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments)));
    }
}
