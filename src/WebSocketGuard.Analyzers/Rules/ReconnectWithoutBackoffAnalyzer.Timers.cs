using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1003's reconnects that are not loops: a periodic System.Threading.Timer / System.Timers.Timer whose callback
/// connects when disconnected, and a handler of the connection's own close event that connects again.
/// </summary>
public sealed partial class ReconnectWithoutBackoffAnalyzer
{
    // A lambda callback is judged where the timer is made; the report lands inside the lambda.
    private static void AnalyzeThreadingTimer(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (ThreadingTimerCallback(creation, symbols) is { } callback
            && callback.WalkDownConversions() is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }
            && context.Operation.SemanticModel is { } model
            && ThreadingTimerSchedule(creation, model, symbols) is { } schedule
            && JudgeTimer(lambda.Body, schedule.Values, schedule.Periods, model, symbols) is { } reportAt)
        {
            Report(context, reportAt, KindTimer, null, null, TimerDetail);
        }
    }

    private static void AnalyzeSubscription(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var subscription = (IEventAssignmentOperation)context.Operation;
        if (subscription.HandlerValue.WalkDownConversions() is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }
            || context.Operation.SemanticModel is not { } model)
        {
            return;
        }

        if (IsElapsedSubscription(subscription, symbols))
        {
            if (TimersTimerSchedule(subscription, model, symbols) is { } schedule
                && JudgeTimer(lambda.Body, schedule.Values, schedule.Periods, model, symbols) is { } reportAt)
            {
                Report(context, reportAt, KindTimer, null, null, TimerDetail);
            }
        }
        else if (ClosedEvent(subscription) is { } closed && JudgeClosedHandler(lambda.Body, closed, model, symbols) is { } found)
        {
            Report(context, found.ReportAt, KindHandler, null, null, found.Detail);
        }
    }

    // The project's own "connection ended" event: Closed, Disconnected, ConnectionLost and the like.
    private static IEventSymbol? ClosedEvent(IEventAssignmentOperation subscription)
        => subscription.Adds
           && subscription.EventReference is IEventReferenceOperation { Event: { } closed }
           && !closed.DeclaringSyntaxReferences.IsEmpty
           && ContainsAny(closed.Name, "Close", "Disconnect", "ConnectionLost")
            ? closed
            : null;

    /// <summary>
    /// A handler of the connection's own close event that connects again, when a failed connect raises the event
    /// again (so the handler runs once per attempt, forever), with no delay or a fixed one and no backoff on the way.
    /// A connect inside a loop of its own is a retry loop, judged there.
    /// </summary>
    private static (IInvocationOperation ReportAt, string Detail)? JudgeClosedHandler(IOperation handlerBody, IEventSymbol closed, SemanticModel model, WebSocketSymbols symbols)
    {
        if (FindTimerConnect(handlerBody, model, symbols, depth: 0) is not { } found
            || !ReconnectsWithoutBackoff(found.Path, found.Calls, symbols, out _, out var waitsFixed, out var connect)
            || connect is null
            || connect.EnclosingLoop() is not null
            || !found.Path.Any(body => body.Descendants().OfType<ICatchClauseOperation>().Any(c => Raises(c.Handler, closed, model, depth: 0))))
        {
            return null;
        }

        return (found.ReportAt, waitsFixed
            ? $"waits a fixed delay before the '{closed.Name}' handler connects again"
            : $"retries immediately: the '{closed.Name}' handler connects again, and a failed connect raises '{closed.Name}' again");
    }

    // Reads the event to raise it (Closed?.Invoke(...)), here or in a method of this file it calls.
    private static bool Raises(IOperation scope, IEventSymbol closed, SemanticModel model, int depth)
    {
        foreach (var operation in scope.Descendants())
        {
            if (operation is IEventReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Event, closed)
                && operation.Parent is not IEventAssignmentOperation)
            {
                return true;
            }

            if (depth == 0
                && operation is IInvocationOperation call
                && SourceBody(call.TargetMethod.OriginalDefinition, model) is { } body
                && Raises(body, closed, model, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    // A method given to a timer or a close event as its handler is judged on its own body, so that the report stays inside it.
    private static void AnalyzeHandlerMethod(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        if (context.ContainingSymbol is not IMethodSymbol { ReturnsVoid: true, Parameters.Length: <= 2 } method
            || context.Operation.SemanticModel is not { } model
            || !IsUsedAsDelegate(method, model.SyntaxTree)
            || FindTimerConnect(context.Operation, model, symbols, depth: 0) is null)
        {
            return;
        }

        foreach (var operation in TypeOperations(method.ContainingType, model) ?? Enumerable.Empty<IOperation>())
        {
            (List<IOperation> Values, List<IOperation>? Periods)? schedule = operation switch
            {
                IObjectCreationOperation creation when RefersTo(ThreadingTimerCallback(creation, symbols), method)
                    => ThreadingTimerSchedule(creation, model, symbols),
                IEventAssignmentOperation subscription when RefersTo(subscription.HandlerValue, method) && IsElapsedSubscription(subscription, symbols)
                    => TimersTimerSchedule(subscription, model, symbols),
                _ => null,
            };

            if (schedule is not null && JudgeTimer(context.Operation, schedule.Value.Values, schedule.Value.Periods, model, symbols) is { } reportAt)
            {
                Report(context, reportAt, KindTimer, null, null, TimerDetail);
                return;
            }

            if (operation is IEventAssignmentOperation closedSubscription
                && RefersTo(closedSubscription.HandlerValue, method)
                && ClosedEvent(closedSubscription) is { } closed
                && JudgeClosedHandler(context.Operation, closed, model, symbols) is { } found)
            {
                Report(context, found.ReportAt, KindHandler, null, null, found.Detail);
                return;
            }
        }
    }

    // Cheap syntax check before any operation is built: the method's name is used as a value (a method group
    // given to a timer or added to an event) in its type's declaration in this file, the only one judged.
    private static bool IsUsedAsDelegate(IMethodSymbol method, SyntaxTree tree)
    {
        foreach (var reference in method.ContainingType.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != tree)
            {
                continue;
            }

            foreach (var token in reference.GetSyntax().DescendantTokens())
            {
                if (token.ValueText == method.Name
                    && token.Parent is IdentifierNameSyntax name
                    && (name.Parent is AssignmentExpressionSyntax or ArgumentSyntax
                        || (name.Parent is MemberAccessExpressionSyntax access && access.Name == name && access.Parent is AssignmentExpressionSyntax or ArgumentSyntax)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private const string TimerDetail = "runs from a timer with a fixed period";

    private static IOperation? ThreadingTimerCallback(IObjectCreationOperation creation, WebSocketSymbols symbols)
        => SymbolEqualityComparer.Default.Equals(creation.Type, symbols.ThreadingTimer)
            ? creation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "callback")?.Value
            : null;

    private static bool IsElapsedSubscription(IEventAssignmentOperation subscription, WebSocketSymbols symbols)
        => subscription.Adds
           && subscription.EventReference is IEventReferenceOperation { Event: { Name: "Elapsed" } elapsed }
           && SymbolEqualityComparer.Default.Equals(elapsed.ContainingType, symbols.TimersTimer);

    private static bool RefersTo(IOperation? handler, IMethodSymbol method)
        => handler?.WalkDownConversions() is IDelegateCreationOperation { Target: IMethodReferenceOperation reference }
           && SymbolEqualityComparer.Default.Equals(reference.Method.OriginalDefinition, method.OriginalDefinition);

    // Every due time and period a System.Threading.Timer is given: at creation and in each Change(due, period) on it.
    private static (List<IOperation> Values, List<IOperation>? Periods)? ThreadingTimerSchedule(IObjectCreationOperation creation, SemanticModel model, WebSocketSymbols symbols)
    {
        var values = creation.Arguments.Where(a => a.Parameter?.Name is "dueTime" or "period").Select(a => a.Value).ToList();
        var periods = creation.Arguments.Where(a => a.Parameter?.Name == "period").Select(a => a.Value).ToList();
        if (creation.StoredInto() is { } timer)
        {
            if (OperationsAround(creation, timer, model) is not { } around)
            {
                return null;
            }

            foreach (var operation in around)
            {
                if (operation is IInvocationOperation { TargetMethod.Name: "Change" } change
                    && SymbolEqualityComparer.Default.Equals(change.TargetMethod.ContainingType, symbols.ThreadingTimer)
                    && SymbolEqualityComparer.Default.Equals(change.Instance.GetReferencedSymbol(), timer))
                {
                    values.AddRange(change.Arguments.Select(a => a.Value));
                    periods.AddRange(change.Arguments.Where(a => a.Parameter?.Name == "period").Select(a => a.Value));
                }
            }
        }

        return (values, periods);
    }

    // The interval of each System.Timers.Timer stored where the handler subscribes, and each Interval assignment;
    // AutoReset set to anything but true makes it a one-shot timer. Periods null: an interval is always positive
    // and finite (the timer throws otherwise), so the timer repeats.
    private static (List<IOperation> Values, List<IOperation>? Periods)? TimersTimerSchedule(IEventAssignmentOperation subscription, SemanticModel model, WebSocketSymbols symbols)
    {
        if (subscription.EventReference is not IEventReferenceOperation reference
            || reference.Instance.GetReferencedSymbol() is not { } timer
            || OperationsAround(subscription, timer, model) is not { } around)
        {
            return null;
        }

        var values = new List<IOperation>();
        var created = false;
        foreach (var operation in around)
        {
            if (operation is IObjectCreationOperation creation
                && SymbolEqualityComparer.Default.Equals(creation.Type, symbols.TimersTimer)
                && SymbolEqualityComparer.Default.Equals(creation.StoredInto(), timer))
            {
                created = true;
                values.AddRange(creation.Arguments.Where(a => a.ArgumentKind != ArgumentKind.DefaultValue).Select(a => a.Value));
            }
            else if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment
                     && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.TimersTimer)
                     && SymbolEqualityComparer.Default.Equals(TimerOf(property), timer))
            {
                if (property.Property.Name == "Interval")
                {
                    values.Add(assignment.Value);
                }
                else if (property.Property.Name == "AutoReset" && assignment.Value.ConstantValue is not { HasValue: true, Value: true })
                {
                    return null;
                }
            }
        }

        return created ? (values, null) : null;
    }

    /// <summary>
    /// The call in the callback that leads to the connect, when the timer fires at a fixed period and the callback
    /// reconnects without backing off; null otherwise. <paramref name="periods"/> null: the timer repeats by contract.
    /// </summary>
    private static IInvocationOperation? JudgeTimer(IOperation callbackBody, List<IOperation> schedule, List<IOperation>? periods, SemanticModel model, WebSocketSymbols symbols)
    {
        // A schedule computed at run time (timer.Change(nextDelay, ...)) may be the backoff.
        foreach (var value in schedule)
        {
            if (Classify(value, null, value, symbols, depth: 0) != DelayKind.Fixed)
            {
                return null;
            }
        }

        if (periods is not null && !periods.Any(p => IsFinitePositiveInterval(p, model, symbols, depth: 0)))
        {
            return null; // one-shot: a single delayed connect, not a retry
        }

        if (FindTimerConnect(callbackBody, model, symbols, depth: 0) is not { } found
            || !ReconnectsWithoutBackoff(found.Path, found.Calls, symbols, out var guarded, out _, out _)
            || !guarded)
        {
            return null; // a callback that connects with no condition on the way is not a reconnect we can tell
        }

        return found.ReportAt;
    }

    // The timer whose Interval/AutoReset is set: 'timer.Interval = ...' or 'new Timer { Interval = ... }'.
    private static ISymbol? TimerOf(IPropertyReferenceOperation property)
    {
        if (property.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver })
        {
            for (var parent = property.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IObjectCreationOperation creation)
                {
                    return creation.StoredInto();
                }
            }

            return null;
        }

        return property.Instance.GetReferencedSymbol();
    }

    // Where the timer can be rescheduled: the function of a local, or every member of the type in this file for a
    // field. null when another file of a partial type names the timer too (it could change the schedule there).
    private static List<IOperation>? OperationsAround(IOperation anchor, ISymbol timer, SemanticModel model)
    {
        if (timer is ILocalSymbol)
        {
            return (anchor.EnclosingFunction() ?? anchor.GetRoot()).Descendants().ToList();
        }

        if (timer is not (IFieldSymbol or IPropertySymbol))
        {
            return null;
        }

        foreach (var reference in timer.ContainingType.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != model.SyntaxTree && reference.GetSyntax().DescendantTokens().Any(t => t.ValueText == timer.Name))
            {
                return null;
            }
        }

        return TypeOperations(timer.ContainingType, model);
    }

    // The operations of every member body and initializer of the type declared in this file.
    private static List<IOperation>? TypeOperations(INamedTypeSymbol? type, SemanticModel model)
    {
        if (type is null)
        {
            return null;
        }

        var operations = new List<IOperation>();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != model.SyntaxTree)
            {
                continue;
            }

            var declaration = reference.GetSyntax();
            foreach (var node in declaration.DescendantNodes(n => n == declaration || n is not BaseTypeDeclarationSyntax))
            {
                if (node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax } or EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax or PropertyDeclarationSyntax }
                    && model.GetOperation(node) is { } operation)
                {
                    operations.Add(operation);
                    operations.AddRange(operation.Descendants());
                }
            }
        }

        return operations;
    }

    // A period known to be a positive, finite number of milliseconds (Infinite, -1 and 0 mean "never again").
    private static bool IsFinitePositiveInterval(IOperation value, SemanticModel model, WebSocketSymbols symbols, int depth)
    {
        value = value.WalkDownConversions();
        if (value.ConstantValue is { HasValue: true, Value: not null } constant)
        {
            try
            {
                return System.Convert.ToDouble(constant.Value, System.Globalization.CultureInfo.InvariantCulture) > 0;
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                return false;
            }
        }

        if (depth > 3)
        {
            return false;
        }

        switch (value)
        {
            case IInvocationOperation { TargetMethod: { IsStatic: true, Name: "FromMilliseconds" or "FromSeconds" or "FromMinutes" } from } call
                when SymbolEqualityComparer.Default.Equals(from.ContainingType, symbols.TimeSpan) && call.Arguments.Length >= 1:
                return IsFinitePositiveInterval(call.Arguments[0].Value, model, symbols, depth + 1);

            case IPropertyReferenceOperation { Instance: { } timeSpan, Property.Name: "TotalMilliseconds" or "TotalSeconds" or "TotalMinutes" } total
                when SymbolEqualityComparer.Default.Equals(total.Property.ContainingType, symbols.TimeSpan):
                return IsFinitePositiveInterval(timeSpan, model, symbols, depth + 1);

            case IConditionalOperation { WhenFalse: { } whenFalse } conditional: // enabled ? period : Timeout.Infinite
                return IsFinitePositiveInterval(conditional.WhenTrue, model, symbols, depth + 1) || IsFinitePositiveInterval(whenFalse, model, symbols, depth + 1);

            case IFieldReferenceOperation { Field: { IsReadOnly: true } field }:
                return InitializerOf(field, model) is { } initializer && IsFinitePositiveInterval(initializer, model, symbols, depth + 1);

            case IPropertyReferenceOperation { Property: { SetMethod: null } property } when property.IsAutoProperty():
                return InitializerOf(property, model) is { } propertyInitializer && IsFinitePositiveInterval(propertyInitializer, model, symbols, depth + 1);

            default:
                return false;
        }
    }

    private static IOperation? InitializerOf(ISymbol member, SemanticModel model)
    {
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            var initializer = reference.GetSyntax() switch
            {
                VariableDeclaratorSyntax declarator => declarator.Initializer?.Value,
                PropertyDeclarationSyntax property => property.Initializer?.Value,
                _ => null,
            };

            if (initializer is not null && initializer.SyntaxTree == model.SyntaxTree && model.GetOperation(initializer) is { } operation)
            {
                return operation;
            }
        }

        return null;
    }

    private static IOperation? SourceBody(IMethodSymbol method, SemanticModel model)
    {
        if (method.DeclaringSyntaxReferences.Length != 1)
        {
            return null;
        }

        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax();
        return syntax.SyntaxTree == model.SyntaxTree && syntax is BaseMethodDeclarationSyntax ? model.GetOperation(syntax) : null;
    }

    // The call in the callback that ends in ClientWebSocket.ConnectAsync (directly, in a Task.Run lambda, or through
    // up to two project methods of this file), and the code that runs on the way: the whole callback, then each
    // method's statements before its call onwards.
    private static (IInvocationOperation ReportAt, List<IOperation> Path, HashSet<IInvocationOperation> Calls)? FindTimerConnect(IOperation body, SemanticModel model, WebSocketSymbols symbols, int depth)
    {
        foreach (var operation in body.Descendants())
        {
            if (operation is not IInvocationOperation call)
            {
                continue;
            }

            if (call.IsClientConnect(symbols))
            {
                return (call, new List<IOperation> { body }, new HashSet<IInvocationOperation>());
            }

            if (depth < 2
                && !symbols.IsWebSocket(call.TargetMethod.ContainingType)
                && SourceBody(call.TargetMethod.OriginalDefinition, model) is { } inner
                && FindTimerConnect(inner, model, symbols, depth + 1) is { } deeper)
            {
                var path = new List<IOperation> { body };
                path.AddRange(deeper.Path);
                deeper.Calls.Add(call);
                return (call, path, deeper.Calls);
            }
        }

        return null;
    }

    /// <summary>
    /// A reconnect that does not back off: every condition on the way tests only flags, enums, null or socket state
    /// (a number or a time may count attempts or schedule the next one), nothing waits a delay that is not fixed or
    /// calls a backoff or retry helper, and the socket is not closed after the connect, nor made and disposed on the
    /// way (connect, send, close each tick is a periodic job). <paramref name="guarded"/>: some condition tests the
    /// connection; <paramref name="waitsFixed"/>: a fixed delay runs before the connect.
    /// </summary>
    private static bool ReconnectsWithoutBackoff(List<IOperation> path, HashSet<IInvocationOperation> pathCalls, WebSocketSymbols symbols,
        out bool guarded, out bool waitsFixed, out IInvocationOperation? connect)
    {
        guarded = false;
        waitsFixed = false;
        connect = null;
        var connects = path.Count - 1;
        foreach (var operation in path[connects].Descendants())
        {
            if (operation is IInvocationOperation call && call.IsClientConnect(symbols))
            {
                connect = call;
                break;
            }
        }

        if (connect is null || IsUsingLocal(connect.Instance.GetReferencedSymbol()))
        {
            return false;
        }

        for (var i = 0; i < path.Count; i++)
        {
            foreach (var operation in path[i].Descendants())
            {
                var afterConnect = i == connects && operation.Syntax.SpanStart > connect.Syntax.Span.End;
                switch (operation)
                {
                    case IInvocationOperation close when afterConnect
                        && (close.IsWebSocketCall(symbols, "CloseAsync") || close.IsWebSocketCall(symbols, "CloseOutputAsync"))
                        && !close.IsInsideCatch():
                        return false;
                    case IConditionalOperation conditional when !afterConnect:
                        if (!TestsOnlyState(conditional.Condition))
                        {
                            return false;
                        }

                        guarded = true;
                        break;
                    case IInvocationOperation call when !afterConnect && !pathCalls.Contains(call):
                        var wait = JudgeWait(call, null, path[i], symbols, connect.TargetMethod);
                        if (wait is DelayKind.Growing or DelayKind.Unknown)
                        {
                            return false;
                        }

                        waitsFixed |= wait == DelayKind.Fixed && (!call.IsDiscarded() || call.TargetMethod.ReturnsVoid);
                        break;
                }
            }
        }

        return true;
    }

    private static bool IsUsingLocal(ISymbol? symbol)
        => symbol is ILocalSymbol local
           && local.DeclaringSyntaxReferences.Any(r => r.GetSyntax().Parent?.Parent is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } or UsingStatementSyntax);

    private static bool TestsOnlyState(IOperation condition)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr or BinaryOperatorKind.And or BinaryOperatorKind.Or) }:
                    return false;
                case IBinaryOperation binary when !IsStateType(binary.LeftOperand.WalkDownConversions().Type) || !IsStateType(binary.RightOperand.WalkDownConversions().Type):
                    return false;
                case IInvocationOperation call when !call.TargetMethod.DeclaringSyntaxReferences.IsEmpty:
                    return false; // a project predicate may be the throttle
            }
        }

        return true;
    }

    // bool, an enum (connection state), or a reference compared with null.
    private static bool IsStateType(ITypeSymbol? type)
        => type is null
           || type.SpecialType == SpecialType.System_Boolean
           || type.TypeKind == TypeKind.Enum
           || type.IsReferenceType
           || (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
               && nullable.TypeArguments.Length == 1 && IsStateType(nullable.TypeArguments[0]));
}
