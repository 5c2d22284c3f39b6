using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1001: a loop that awaits <c>ReceiveAsync</c> (or drains a queue into <c>SendAsync</c>) with no surrounding catch for
/// <c>WebSocketException</c>, in code whose exception nobody observes: <c>async void</c>, a discarded <c>Task.Run</c>,
/// a thread or timer, an ASP.NET Core request handler, <c>BackgroundService.ExecuteAsync</c>, or a method whose
/// task its callers in the same type discard. A loop in an ordinary <c>async Task</c> method whose callers await it is not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReceiveLoopWithoutErrorHandlingAnalyzer : WebSocketAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.ReceiveLoopWithoutErrorHandling,
        title: "Receive or send loop without error handling",
        messageFormat: "A peer that drops the connection makes '{0}' in this loop throw, and {1}; catch WebSocketException around the loop and abort the socket",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "Connections drop all the time. A receive or send loop that lets WebSocketException escape into code nobody awaits loses the failure: async void crashes the process, a discarded task hides it, a request handler logs it as an unhandled error, and a BackgroundService stops.");

    private const int MaxCallerDepth = 3;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterSymbolStartAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
    }

    private sealed class Candidate
    {
        public Candidate(IInvocationOperation call, IOperation loop, ISymbol containingSymbol)
        {
            Call = call;
            Loop = loop;
            ContainingSymbol = containingSymbol;
        }

        public IInvocationOperation Call { get; }

        /// <summary>The loop, or for a method that calls itself after the receive, the receive itself (no loop to wrap).</summary>
        public IOperation Loop { get; }
        public ISymbol ContainingSymbol { get; }
    }

    private sealed class CallSite
    {
        public CallSite(IOperation site, ISymbol containingSymbol)
        {
            Site = site;
            ContainingSymbol = containingSymbol;
        }

        public IOperation Site { get; }
        public ISymbol ContainingSymbol { get; }
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var candidates = new ConcurrentBag<Candidate>();
        var callSites = new ConcurrentDictionary<IMethodSymbol, ConcurrentBag<CallSite>>(SymbolEqualityComparer.Default);
        var type = (INamedTypeSymbol)context.Symbol;

        context.RegisterOperationAction(c =>
        {
            var invocation = (IInvocationOperation)c.Operation;
            if (IsLoopIo(invocation, symbols, out var loop))
            {
                candidates.Add(new Candidate(invocation, loop!, c.ContainingSymbol));
            }
            else if (IsRecursiveReceive(invocation, c.ContainingSymbol, symbols))
            {
                candidates.Add(new Candidate(invocation, invocation, c.ContainingSymbol));
            }

            if (IsOwnMethod(invocation.TargetMethod, type))
            {
                callSites.GetOrAdd(invocation.TargetMethod.OriginalDefinition, _ => new()).Add(new CallSite(invocation, c.ContainingSymbol));
            }
        }, OperationKind.Invocation);

        // Method groups: Task.Run(ReceiveLoopAsync), new Thread(Pump).
        context.RegisterOperationAction(c =>
        {
            var reference = (IMethodReferenceOperation)c.Operation;
            if (IsOwnMethod(reference.Method, type))
            {
                callSites.GetOrAdd(reference.Method.OriginalDefinition, _ => new()).Add(new CallSite(reference, c.ContainingSymbol));
            }
        }, OperationKind.MethodReference);

        context.RegisterSymbolEndAction(c =>
        {
            var reported = new HashSet<IOperation>();
            foreach (var candidate in candidates)
            {
                if (!reported.Add(candidate.Loop))
                {
                    continue;
                }

                var reason = LosesException(candidate.Loop, candidate.ContainingSymbol, callSites, symbols, depth: 0);
                if (reason is not null)
                {
                    var location = candidate.Loop is ILoopOperation
                        ? candidate.Loop.Syntax.GetFirstToken().GetLocation()
                        : candidate.Call.Syntax.GetLocation(); // recursion: no loop for the fixes to wrap or replace
                    c.ReportDiagnostic(Diagnostic.Create(Rule, location, new[] { candidate.Call.Syntax.GetLocation() }, candidate.Call.TargetMethod.Name, reason));
                }
            }
        });
    }

    private static bool IsOwnMethod(IMethodSymbol method, INamedTypeSymbol type)
        => method.MethodKind is MethodKind.Ordinary or MethodKind.LocalFunction
           && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type.OriginalDefinition);

    // An unprotected ReceiveAsync in a loop, or SendAsync in a loop that drains a queue.
    private static bool IsLoopIo(IInvocationOperation invocation, WebSocketSymbols symbols, out ILoopOperation? loop)
    {
        loop = null;
        var isReceive = invocation.IsWebSocketCall(symbols, "ReceiveAsync");
        if (!isReceive && !invocation.IsWebSocketCall(symbols, "SendAsync"))
        {
            return false;
        }

        loop = invocation.EnclosingLoop();
        if (loop is null || invocation.IsDiscarded() || invocation.IsInsideWebSocketCatch(symbols))
        {
            return false;
        }

        // Sending: a pump (queue drain) or a push loop that runs until it fails; a foreach/for over recipients is not one.
        return isReceive || loop is IWhileLoopOperation || loop.DrainsQueue(symbols);
    }

    // 'async void Next() { var r = await ws.ReceiveAsync(...); ...; Next(); }': a receive loop written as recursion.
    private static bool IsRecursiveReceive(IInvocationOperation invocation, ISymbol containingSymbol, WebSocketSymbols symbols)
        => invocation.IsWebSocketCall(symbols, "ReceiveAsync")
           && invocation.EnclosingLoop() is null
           && !invocation.IsDiscarded()
           && !invocation.IsInsideWebSocketCatch(symbols)
           && invocation.EnclosingFunction() is not IAnonymousFunctionOperation
           && ReceiveLoopHelpers.CallsItselfAfter(invocation, invocation.EnclosingFunction() ?? invocation.GetRoot(), invocation.EnclosingMethod(containingSymbol));

    /// <summary>Why the exception of code at <paramref name="operation"/> is lost, or null when someone may observe it.</summary>
    private static string? LosesException(
        IOperation operation,
        ISymbol containingSymbol,
        ConcurrentDictionary<IMethodSymbol, ConcurrentBag<CallSite>> callSites,
        WebSocketSymbols symbols,
        int depth)
    {
        var function = operation.EnclosingFunction();
        var method = operation.EnclosingMethod(containingSymbol);
        if (method is null)
        {
            return null;
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            return function is null ? $"'{method.Name}' is async void, so nothing can catch it" : "the async void lambda lets it crash the process";
        }

        if (function is IAnonymousFunctionOperation lambda)
        {
            return LambdaLosesException(lambda, symbols);
        }

        if (function is null && MethodLosesException(method, symbols) is { } reason)
        {
            return reason;
        }

        if (function is null && method.IsStatic && method.Name is "Main" or "<Main>$")
        {
            return "the program's entry point lets it end the process";
        }

        if (depth >= MaxCallerDepth || !callSites.TryGetValue(method.OriginalDefinition, out var sites))
        {
            return null;
        }

        foreach (var site in sites)
        {
            if (site.Site.IsInsideWebSocketCatch(symbols))
            {
                continue;
            }

            if (site.Site is IInvocationOperation invocation && invocation.IsDiscarded() && ReturnsTask(method, symbols))
            {
                return $"its caller discards the task of '{method.Name}'";
            }

            if (site.Site is IMethodReferenceOperation reference && StartsUnobserved(reference, symbols) is { } started)
            {
                return $"'{method.Name}' {started}";
            }

            // Awaited or returned by code that itself loses the exception.
            if (site.Site is IInvocationOperation awaited && IsAwaitedOrReturned(CombinedTask(awaited, symbols))
                && LosesException(awaited, site.ContainingSymbol, callSites, symbols, depth + 1) is { } outer)
            {
                return $"'{method.Name}' is awaited where {outer}";
            }
        }

        return null;
    }

    // A synchronous method's exception reaches its caller; only a dropped task loses it.
    private static bool ReturnsTask(IMethodSymbol method, WebSocketSymbols symbols)
        => WebSocketSymbols.IsOrDerivesFrom(method.ReturnType, symbols.Task)
           || SymbolEqualityComparer.Default.Equals(method.ReturnType.OriginalDefinition, symbols.ValueTask)
           || SymbolEqualityComparer.Default.Equals(method.ReturnType.OriginalDefinition, symbols.ValueTaskOfT);

    // Task.WhenAll(PumpAsync(a, b), PumpAsync(b, a)): the combined task carries the failure.
    // Climbs through arguments and params collections (array or span) to the first enclosing call.
    private static IInvocationOperation CombinedTask(IInvocationOperation call, WebSocketSymbols symbols)
    {
        for (var parent = call.Parent; parent is not null; parent = parent.Parent)
        {
            switch (parent)
            {
                case IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" } combinator
                    when SymbolEqualityComparer.Default.Equals(combinator.TargetMethod.ContainingType, symbols.Task):
                    return combinator;
                case IInvocationOperation or IAwaitOperation or IReturnOperation or IExpressionStatementOperation
                    or IAssignmentOperation or IVariableInitializerOperation or IBlockOperation or IAnonymousFunctionOperation:
                    return call;
            }
        }

        return call;
    }

    private static bool IsAwaitedOrReturned(IInvocationOperation invocation)
    {
        var consumer = invocation.WalkUpConversions(out var value);
        if (consumer is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configured && configured.Instance == value)
        {
            consumer = configured.WalkUpConversions(out _);
        }

        return consumer is IAwaitOperation or IReturnOperation;
    }

    private static string? LambdaLosesException(IAnonymousFunctionOperation lambda, WebSocketSymbols symbols)
        => StartsUnobserved(lambda, symbols) is { } started ? "the delegate " + started : null;

    // How a delegate (lambda or method group) is started so that its exception goes nowhere, or null.
    private static string? StartsUnobserved(IOperation @delegate, WebSocketSymbols symbols)
    {
        var consumer = @delegate.WalkUpConversions(out _);
        if (consumer is IDelegateCreationOperation creation)
        {
            consumer = creation.WalkUpConversions(out _);
        }

        if (consumer is not IArgumentOperation argument)
        {
            return null;
        }

        switch (argument.Parent)
        {
            case IInvocationOperation invocation:
                var target = invocation.TargetMethod;
                if ((target.Name == "Run" && SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.Task))
                    || (target.Name == "StartNew" && SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.TaskFactory)))
                {
                    return invocation.IsDiscarded() ? $"runs in Task.{target.Name} whose task is discarded" : null;
                }

                if (target.Name.StartsWith("QueueUserWorkItem", System.StringComparison.Ordinal)
                    && SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.ThreadPool))
                {
                    return "runs on the thread pool, where nothing catches it";
                }

                if (IsRequestPipelineRegistration(target, symbols))
                {
                    return $"is an ASP.NET Core request handler ({target.Name}), where an abrupt disconnect becomes an unhandled request error";
                }

                return null;

            case IObjectCreationOperation objectCreation
                when SymbolEqualityComparer.Default.Equals(objectCreation.Type, symbols.Thread)
                     || SymbolEqualityComparer.Default.Equals(objectCreation.Type, symbols.ThreadingTimer):
                return $"runs on a {objectCreation.Type!.Name}, where an unhandled exception ends the process";

            default:
                return null;
        }
    }

    // app.Map*/Use/Run on IApplicationBuilder or IEndpointRouteBuilder.
    private static bool IsRequestPipelineRegistration(IMethodSymbol method, WebSocketSymbols symbols)
    {
        if (!(method.Name.StartsWith("Map", System.StringComparison.Ordinal) || method.Name is "Use" or "Run" or "UseWhen"))
        {
            return false;
        }

        if (symbols.IsRuntimeAccept(method))
        {
            return false; // our MapWebSocket catches a dropped connection around its handler and closes the socket
        }

        var receiver = method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
        return IsOrImplements(receiver, symbols.AspNetApplicationBuilder) || IsOrImplements(receiver, symbols.AspNetEndpointRouteBuilder);
    }

    private static bool IsOrImplements(ITypeSymbol? type, INamedTypeSymbol? contract)
    {
        if (type is null || contract is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, contract))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented.OriginalDefinition, contract))
            {
                return true;
            }
        }

        return WebSocketSymbols.IsOrDerivesFrom(type, contract);
    }

    private static string? MethodLosesException(IMethodSymbol method, WebSocketSymbols symbols)
    {
        var type = method.ContainingType;
        if (method.IsOverride && method.Name == "ExecuteAsync" && WebSocketSymbols.IsOrDerivesFrom(type, symbols.BackgroundService))
        {
            return "BackgroundService.ExecuteAsync lets it stop the service (and by default the host)";
        }

        if (method.Name is "Invoke" or "InvokeAsync"
            && method.Parameters.Length > 0
            && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, symbols.HttpContext))
        {
            return $"middleware '{method.Name}' turns an abrupt disconnect into an unhandled request error";
        }

        if (method.DeclaredAccessibility == Accessibility.Public
            && !method.IsStatic
            && method.MethodKind == MethodKind.Ordinary
            && WebSocketSymbols.IsOrDerivesFrom(type, symbols.ControllerBase))
        {
            return $"controller action '{method.Name}' turns an abrupt disconnect into an unhandled request error";
        }

        return null;
    }
}
