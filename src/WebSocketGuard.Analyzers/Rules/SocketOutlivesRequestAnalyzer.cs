using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG2003: an ASP.NET Core socket accepted in a request handler is handed to background work (<c>Task.Run</c>,
/// a discarded or unawaited task) or stored in a collection, and the handler awaits nothing afterwards. ASP.NET Core
/// ends the request, and with it the connection, when the handler returns.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SocketOutlivesRequestAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: "true" when the reported call is an unawaited task the fix can await.</summary>
    public const string CanAwaitProperty = "CanAwait";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.SocketOutlivesRequest,
        title: "Accepted socket outlives its request",
        messageFormat: "'{0}' is {1} and the handler returns without awaiting it; ASP.NET Core closes the connection when the handler returns",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A WebSocket accepted by ASP.NET Core lives only as long as the request: when the handler (endpoint, middleware, action) returns, the connection is torn down and the socket aborted. Await the socket's work in the handler, or await a TaskCompletionSource that completes when the socket is done.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.AspNetWebSocketManager is null || symbols.Task is null)
        {
            return;
        }

        // Judged at the call that lets the socket go, so the diagnostic (and its fix) stays local to that call;
        // only code blocks that accept a WebSocket are looked at, since every call with arguments is a candidate.
        context.RegisterOperationBlockStartAction(block =>
        {
            var gate = new object();
            var sawAccept = false;
            List<IOperation>? candidates = null;
            block.RegisterOperationAction(c =>
            {
                lock (gate)
                {
                    if (c.Operation is IInvocationOperation accept && accept.IsAccept(symbols) && !accept.IsHttpListenerAccept(symbols))
                    {
                        sawAccept = true;
                    }

                    (candidates ??= new List<IOperation>()).Add(c.Operation);
                }
            }, OperationKind.Invocation, OperationKind.SimpleAssignment);
            block.RegisterOperationBlockEndAction(c =>
            {
                if (sawAccept && candidates is not null)
                {
                    foreach (var candidate in candidates)
                    {
                        AnalyzeCandidate(candidate, c.ReportDiagnostic, symbols);
                    }
                }
            });
        });
    }

    private static void AnalyzeCandidate(IOperation candidate, System.Action<Diagnostic> report, WebSocketSymbols symbols)
    {
        if (candidate is IInvocationOperation { Arguments.IsEmpty: true }
            || (candidate is ISimpleAssignmentOperation { Target: not IPropertyReferenceOperation { Property.IsIndexer: true } }))
        {
            return;
        }

        var handler = candidate.EnclosingFunctionOrRoot();
        if (handler is null)
        {
            return;
        }

        foreach (var descendant in candidate.Descendants())
        {
            if (descendant is not ILocalReferenceOperation reference
                || !symbols.IsWebSocket(reference.Local.Type)
                || !IsAcceptedBefore(reference, handler, symbols))
            {
                continue;
            }

            var escape = FindEscape(reference, handler, symbols, out var how, out var canAwait);
            if (escape != candidate || AwaitsAfter(handler, escape))
            {
                continue;
            }

            var properties = ImmutableDictionary<string, string?>.Empty.Add(CanAwaitProperty, canAwait ? "true" : "false");
            report(Diagnostic.Create(Rule, escape.Syntax.GetLocation(), properties, reference.Local.Name, how));
            return;
        }
    }

    // The local holds a socket the same handler accepted from ASP.NET Core earlier.
    private static bool IsAcceptedBefore(ILocalReferenceOperation reference, IOperation handler, WebSocketSymbols symbols)
    {
        foreach (var descendant in handler.Descendants())
        {
            if (descendant is IInvocationOperation accept
                && accept.Syntax.SpanStart < reference.Syntax.SpanStart
                && accept.IsAccept(symbols)
                && !accept.IsHttpListenerAccept(symbols)
                && accept.EnclosingFunctionOrRoot() == handler
                && SymbolEqualityComparer.Default.Equals(AcceptedInto(accept), reference.Local))
            {
                return true;
            }
        }

        return false;
    }

    // var socket = await context.WebSockets.AcceptWebSocketAsync(); (also "using var", or an assignment to a local)
    private static ILocalSymbol? AcceptedInto(IInvocationOperation accept)
    {
        if (accept.AwaitOf() is not { } await)
        {
            return null;
        }

        var consumer = await.WalkUpConversions(out var value);
        return consumer switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation assignment when assignment.Value == value => assignment.Target.GetReferencedSymbol() as ILocalSymbol,
            _ => null,
        };
    }

    // Up from a use of the socket to the call in the handler that lets it go: background work, an unawaited task, a collection.
    private static IOperation? FindEscape(IOperation reference, IOperation handler, WebSocketSymbols symbols, out string how, out bool canAwait)
    {
        how = string.Empty;
        canAwait = false;
        for (var current = reference; current.Parent is not null && current != handler; current = current.Parent)
        {
            var parent = current.Parent;
            if (parent is IAwaitOperation && parent.EnclosingFunctionOrRoot() == handler)
            {
                return null; // awaited where it is used
            }

            if (parent is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true } indexer } store
                && store.Value == current
                && IsCollection(indexer.Instance?.Type)
                && store.EnclosingFunctionOrRoot() == handler)
            {
                how = "stored in a collection";
                return store;
            }

            if (parent is not IInvocationOperation invocation || invocation.Instance == current || invocation.EnclosingFunctionOrRoot() != handler)
            {
                continue;
            }

            if (StartsBackgroundWork(invocation.TargetMethod, symbols))
            {
                if (invocation.AwaitOf() is not null)
                {
                    return null;
                }

                how = "handed to background work";
                canAwait = IsDiscarded(invocation) && IsTask(invocation.Type, symbols);
                return invocation;
            }

            if (IsTask(invocation.Type, symbols))
            {
                if (IsDiscarded(invocation))
                {
                    how = "passed to a task that is not awaited";
                    canAwait = true;
                    return invocation;
                }

                return null; // the task is kept: awaited or handled later
            }

            if (invocation.TargetMethod.Name is "Add" or "TryAdd" or "AddOrUpdate" or "GetOrAdd" or "Enqueue" or "Push" or "Insert" or "TryWrite"
                && IsCollection(invocation.Instance?.Type))
            {
                how = "stored in a collection";
                return invocation;
            }

            return null; // handed to other code, which we do not follow
        }

        return null;
    }

    private static bool StartsBackgroundWork(IMethodSymbol method, WebSocketSymbols symbols)
    {
        var type = method.ContainingType?.ToDisplayString();
        return (method.Name == "Run" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.Task))
            || (method.Name == "StartNew" && type is "System.Threading.Tasks.TaskFactory" or "System.Threading.Tasks.TaskFactory<TResult>")
            || (method.Name is "QueueUserWorkItem" or "UnsafeQueueUserWorkItem" && type == "System.Threading.ThreadPool");
    }

    private static bool IsTask(ITypeSymbol? type, WebSocketSymbols symbols)
        => WebSocketSymbols.IsOrDerivesFrom(type, symbols.Task)
           || SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, symbols.ValueTask)
           || type?.OriginalDefinition.ToDisplayString() == "System.Threading.Tasks.ValueTask<TResult>";

    // "_ = Work(socket);" or "Work(socket);"
    private static bool IsDiscarded(IOperation invocation)
    {
        var consumer = invocation.WalkUpConversions(out var value);
        return consumer is IExpressionStatementOperation
            || (consumer is ISimpleAssignmentOperation { Target: IDiscardOperation, Parent: IExpressionStatementOperation } assignment && assignment.Value == value);
    }

    private static bool IsCollection(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (implemented.SpecialType == SpecialType.System_Collections_IEnumerable)
            {
                return true;
            }
        }

        return false;
    }

    // Any await in the handler itself after the escape keeps the request open (a receive loop, a completion source, ...).
    private static bool AwaitsAfter(IOperation handler, IOperation escape)
    {
        foreach (var descendant in handler.Descendants())
        {
            if (descendant is IAwaitOperation await
                && await.Syntax.SpanStart > escape.Syntax.Span.End
                && await.EnclosingFunctionOrRoot() == handler)
            {
                return true;
            }

            if (descendant is IUsingOperation { IsAsynchronous: true } or IUsingDeclarationOperation { IsAsynchronous: true } or IForEachLoopOperation { IsAsynchronous: true }
                && descendant.Syntax.SpanStart > escape.Syntax.Span.End)
            {
                return true;
            }
        }

        return false;
    }
}
