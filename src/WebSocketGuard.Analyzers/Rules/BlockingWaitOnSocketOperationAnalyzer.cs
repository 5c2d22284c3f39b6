using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1012: <c>.Wait()</c>, <c>.Result</c> or <c>.GetAwaiter().GetResult()</c> on the task of a socket operation
/// (<c>WebSocket</c>, <c>ClientWebSocket</c>, an accept), directly or through a local that is only ever blocked on.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingWaitOnSocketOperationAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: how the fix makes the call awaitable (absent when it cannot).</summary>
    public const string AwaitKindProperty = "AwaitKind";

    /// <summary>The enclosing function is already async (or is top-level code): just await.</summary>
    public const string AwaitKindAsync = "Async";

    /// <summary>A synchronous <c>Main</c>: make it <c>async Task</c> (or <c>async Task&lt;int&gt;</c>) and await.</summary>
    public const string AwaitKindMain = "Main";

    /// <summary>
    /// A method or local function that returns <c>Task</c>/<c>Task&lt;T&gt;</c> synchronously (<c>return Task.CompletedTask;</c>,
    /// <c>return Task.FromResult(x);</c>): mark it async, unwrap those returns, and await. Its signature does not change.
    /// </summary>
    public const string AwaitKindTaskReturning = "TaskReturning";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.BlockingWaitOnSocketOperation,
        title: "Blocking wait on a socket operation",
        messageFormat: "'{0}' blocks a thread until '{1}' completes: thread-pool starvation under load, deadlock under a synchronization context; await it",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A socket operation completes when the network says so, which may be never. Blocking on its task with Wait(), Result or GetAwaiter().GetResult() holds a thread for that whole time: a server with many connections runs out of thread-pool threads, and under a UI or legacy ASP.NET synchronization context the continuation can never run, so the call deadlocks. Await the task instead.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.Task is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
        context.RegisterOperationAction(c => AnalyzeResult(c, symbols), OperationKind.PropertyReference);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var task = GetBlockedTask(invocation, symbols, out var shape);
        if (task is not null)
        {
            AnalyzeBlockedTask(context, invocation, task, shape, symbols);
        }
    }

    private static void AnalyzeResult(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var property = (IPropertyReferenceOperation)context.Operation;
        var task = GetBlockedTask(property, symbols, out var shape);
        if (task is not null)
        {
            AnalyzeBlockedTask(context, property, task, shape, symbols);
        }
    }

    /// <summary>
    /// When <paramref name="operation"/> blocks on a task (<c>t.Wait(...)</c>, <c>t.Result</c>, <c>t[.ConfigureAwait(x)].GetAwaiter().GetResult()</c>),
    /// the task expression; else null.
    /// </summary>
    internal static IOperation? GetBlockedTask(IOperation operation, WebSocketSymbols symbols, out string shape)
    {
        shape = string.Empty;
        switch (operation)
        {
            case IInvocationOperation { TargetMethod.Name: "Wait", TargetMethod.IsStatic: false, Instance: { } instance } wait
                when SymbolEqualityComparer.Default.Equals(wait.TargetMethod.ContainingType, symbols.Task):
                shape = wait.Arguments.IsEmpty ? "Wait()" : "Wait(...)";
                return instance;

            case IPropertyReferenceOperation { Property.Name: "Result", Property.IsStatic: false, Instance: { } instance } result
                when symbols.IsTaskLike(result.Property.ContainingType):
                shape = "Result";
                return instance;

            case IInvocationOperation { TargetMethod.Name: "GetResult", Arguments.IsEmpty: true, Instance: { } awaiter }
                when awaiter.WalkDownConversions() is IInvocationOperation { TargetMethod.Name: "GetAwaiter", Arguments.IsEmpty: true, Instance: { } awaitable }:
                var task = awaitable.WalkDownConversions();
                if (task is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured } && symbols.IsTaskLike(configured.Type))
                {
                    task = configured;
                }

                if (!symbols.IsTaskLike(task.Type))
                {
                    return null;
                }

                shape = "GetAwaiter().GetResult()";
                return task;

            default:
                return null;
        }
    }

    private static void AnalyzeBlockedTask(OperationAnalysisContext context, IOperation blocking, IOperation task, string shape, WebSocketSymbols symbols)
    {
        var socketCall = FindSocketCall(task, symbols);
        if (socketCall is null)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty;
        var awaitKind = shape == "Wait(...)" ? null : GetAwaitKind(blocking, context.ContainingSymbol, symbols);
        if (awaitKind is not null)
        {
            properties = properties.Add(AwaitKindProperty, awaitKind);
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, blocking.Syntax.GetLocation(), properties, shape, socketCall.TargetMethod.Name));
    }

    /// <summary>The socket call whose task is blocked on: the expression itself, or a local holding it that is only ever blocked on.</summary>
    private static IInvocationOperation? FindSocketCall(IOperation task, WebSocketSymbols symbols)
    {
        var value = StripAsTask(task.WalkDownConversions(), symbols);
        if (value is IInvocationOperation invocation)
        {
            return IsSocketOperation(invocation, symbols) ? invocation : null;
        }

        if (value is not ILocalReferenceOperation { Local: { } local })
        {
            return null;
        }

        // var t = socket.ReceiveAsync(...); ... t.Result — only when every use of t blocks on it; a task
        // that is awaited, raced with WhenAny or checked with IsCompleted first is not blocked on.
        IInvocationOperation? source = null;
        foreach (var operation in value.GetRoot().Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    if (declarator.Initializer?.Value is not { } initial
                        || StripAsTask(initial.WalkDownConversions(), symbols) is not IInvocationOperation call
                        || !IsSocketOperation(call, symbols))
                    {
                        return null;
                    }

                    source = call;
                    break;

                case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local):
                    if (!IsBlockedOn(reference, symbols))
                    {
                        return null;
                    }

                    break;
            }
        }

        return source;
    }

    private static bool IsBlockedOn(ILocalReferenceOperation reference, WebSocketSymbols symbols)
    {
        IOperation current = reference;
        while (current.Parent is IConversionOperation or IParenthesizedOperation
               || (current.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" or "GetAwaiter" } wrapper && wrapper.Instance == current))
        {
            current = current.Parent;
        }

        return current.Parent is { } consumer && GetBlockedTask(consumer, symbols, out _) is not null;
    }

    private static IOperation StripAsTask(IOperation value, WebSocketSymbols symbols)
        => value is IInvocationOperation { TargetMethod.Name: "AsTask", Arguments.IsEmpty: true, Instance: { } valueTask } && symbols.IsTaskLike(valueTask.Type)
            ? valueTask.WalkDownConversions()
            : value;

    /// <summary>Any task-returning method of a WebSocket type, or an accept of one.</summary>
    private static bool IsSocketOperation(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (!symbols.IsTaskLike(method.ReturnType))
        {
            return false;
        }

        return symbols.IsWebSocket(method.ContainingType)
            || (method.Name == "AcceptWebSocketAsync"
                && (SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.AspNetWebSocketManager)
                    || SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.HttpListenerContext)));
    }

    private static string? GetAwaitKind(IOperation blocking, ISymbol containingSymbol, WebSocketSymbols symbols)
    {
        for (var current = blocking.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case ILockOperation:
                    return null; // no await inside lock
                case IAnonymousFunctionOperation anonymous:
                    return anonymous.Symbol.IsAsync ? AwaitKindAsync : null;
                case ILocalFunctionOperation local:
                    return local.Symbol.IsAsync ? AwaitKindAsync
                        : ReturnsTaskSynchronously(local.Symbol, local.Body, symbols) ? AwaitKindTaskReturning : null;
            }
        }

        if (containingSymbol is not IMethodSymbol method)
        {
            return null;
        }

        if (method.IsAsync || IsTopLevelEntryPoint(method))
        {
            return AwaitKindAsync;
        }

        if (method.MethodKind == MethodKind.Ordinary && ReturnsTaskSynchronously(method, blocking.GetRoot(), symbols))
        {
            return AwaitKindTaskReturning;
        }

        // A synchronous Main can become 'async Task Main' without touching any caller.
        return method is { Name: "Main", IsStatic: true, MethodKind: MethodKind.Ordinary, Parameters.Length: <= 1 }
               && (method.ReturnsVoid || method.ReturnType.SpecialType == SpecialType.System_Int32)
               && method.DeclaringSyntaxReferences.Length == 1
            ? AwaitKindMain
            : null;
    }

    // Task-returning, not async, no ref/out/in parameters, and every return is Task.CompletedTask or Task.FromResult(x).
    private static bool ReturnsTaskSynchronously(IMethodSymbol function, IOperation? body, WebSocketSymbols symbols)
    {
        if (body is null
            || function.IsAsync
            || function.DeclaringSyntaxReferences.Length != 1
            || !(SymbolEqualityComparer.Default.Equals(function.ReturnType, symbols.Task)
                 || SymbolEqualityComparer.Default.Equals(function.ReturnType.OriginalDefinition, symbols.GenericTask)))
        {
            return false;
        }

        foreach (var parameter in function.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                return false;
            }
        }

        var sawReturn = false;
        foreach (var operation in DescendantsOutsideNestedFunctions(body))
        {
            if (operation is IReturnOperation { Kind: OperationKind.Return } @return)
            {
                if (!IsCompletedTask(@return.ReturnedValue, symbols))
                {
                    return false;
                }

                sawReturn = true;
            }
            else if (operation is IReturnOperation { Kind: OperationKind.YieldReturn })
            {
                return false;
            }
        }

        return sawReturn;
    }

    internal static bool IsCompletedTask(IOperation? value, WebSocketSymbols symbols) => value?.WalkDownConversions() switch
    {
        IPropertyReferenceOperation { Property.Name: "CompletedTask", Property.IsStatic: true } completed
            => SymbolEqualityComparer.Default.Equals(completed.Property.ContainingType, symbols.Task),
        IInvocationOperation { TargetMethod.Name: "FromResult", TargetMethod.IsStatic: true, Arguments.Length: 1 } fromResult
            => SymbolEqualityComparer.Default.Equals(fromResult.TargetMethod.ContainingType, symbols.Task),
        _ => false,
    };

    private static IEnumerable<IOperation> DescendantsOutsideNestedFunctions(IOperation root)
    {
        var stack = new Stack<IOperation>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations)
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(child);
                }
            }
        }
    }

    // Top-level statements become async as soon as they contain an await.
    private static bool IsTopLevelEntryPoint(IMethodSymbol method)
        => method.Name == "<Main>$" && method.IsImplicitlyDeclared;
}
