using System;
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
/// (a <c>Reconnect*</c> method or a method that calls itself) that reuses a field. A second <c>ConnectAsync</c> always throws.
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

        var reason = InRetryLoop(connect, socket)
            ?? InCatchAfterUse(connect, socket, symbols)
            ?? InReconnectPath(connect, socket, context.ContainingSymbol);
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
}
