using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1004: an unbounded queue (<c>Channel.CreateUnbounded</c>, <c>ConcurrentQueue&lt;T&gt;</c>, <c>Queue&lt;T&gt;</c>,
/// <c>BlockingCollection&lt;T&gt;</c> without capacity) that a loop in the same type drains into <c>WebSocket.SendAsync</c>,
/// with no size check anywhere in the type. Queues no loop sends from are not reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnboundedOutboundQueueAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: which creation was found, so the fixer knows what to rewrite.</summary>
    public const string KindProperty = "Kind";
    public const string KindChannel = "Channel";
    public const string KindBlockingCollection = "BlockingCollection";
    public const string KindOther = "Other";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.UnboundedOutboundQueue,
        title: "Outbound messages queued without a bound",
        messageFormat: "'{0}' queues outbound WebSocket messages without a bound: a client that stops reading grows it until the process runs out of memory",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A per-connection send queue with no limit turns one slow or stalled client into unbounded memory growth. Use a bounded channel with an explicit full mode (1,024 messages by default) and decide what happens to a client that falls behind.");

    private static readonly ImmutableHashSet<string> ReadMethods = ImmutableHashSet.Create(
        "TryDequeue", "Dequeue", "TryPeek", "Take", "TryTake", "GetConsumingEnumerable", "ReadAllAsync", "ReadAsync", "TryRead", "WaitToReadAsync");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterSymbolStartAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
    }

    private sealed class TypeState
    {
        public readonly ConcurrentBag<(IOperation Creation, ISymbol Target, string Kind)> Queues = new();
        public readonly ConcurrentDictionary<ISymbol, bool> Drained = new(SymbolEqualityComparer.Default);
        public readonly ConcurrentDictionary<ISymbol, bool> Checked = new(SymbolEqualityComparer.Default);
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var state = new TypeState();

        context.RegisterOperationAction(c =>
        {
            var kind = UnboundedKind(c.Operation, symbols);
            if (kind is not null && AssignedSymbol(c.Operation) is { } target)
            {
                state.Queues.Add((c.Operation, target, kind));
            }
        }, OperationKind.Invocation, OperationKind.ObjectCreation);

        context.RegisterOperationAction(c => CollectDrains((ILoopOperation)c.Operation, state, symbols), OperationKind.Loop);

        context.RegisterOperationAction(c =>
        {
            // queue.Count, channel.Reader.Count: a size check somewhere in the type.
            var property = (IPropertyReferenceOperation)c.Operation;
            if (property.Property.Name == "Count" && RootSymbol(property.Instance) is { } root)
            {
                state.Checked[root] = true;
            }
        }, OperationKind.PropertyReference);

        context.RegisterSymbolEndAction(c =>
        {
            foreach (var (creation, target, kind) in state.Queues)
            {
                if (state.Drained.ContainsKey(target) && !state.Checked.ContainsKey(target))
                {
                    var properties = ImmutableDictionary<string, string?>.Empty.Add(KindProperty, kind);
                    c.ReportDiagnostic(Diagnostic.Create(Rule, creation.Syntax.GetLocation(), properties, target.Name));
                }
            }
        });
    }

    private static string? UnboundedKind(IOperation operation, WebSocketSymbols symbols)
    {
        switch (operation)
        {
            case IInvocationOperation { TargetMethod.Name: "CreateUnbounded" } invocation
                when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Channel):
                return KindChannel;
            case IObjectCreationOperation { Type: INamedTypeSymbol type } creation:
                var definition = type.OriginalDefinition;
                if (SymbolEqualityComparer.Default.Equals(definition, symbols.ConcurrentQueue)
                    || SymbolEqualityComparer.Default.Equals(definition, symbols.Queue))
                {
                    return KindOther;
                }

                if (SymbolEqualityComparer.Default.Equals(definition, symbols.BlockingCollection)
                    && !HasCapacity(creation))
                {
                    return creation.Arguments.IsEmpty ? KindBlockingCollection : KindOther;
                }

                return null;
            default:
                return null;
        }
    }

    private static bool HasCapacity(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Name == "boundedCapacity")
            {
                return true;
            }
        }

        return false;
    }

    // The field, property or local the new queue is stored in.
    private static ISymbol? AssignedSymbol(IOperation creation)
    {
        var parent = creation.WalkUpConversions(out var value);
        return parent switch
        {
            IFieldInitializerOperation { InitializedFields.Length: 1 } field => field.InitializedFields[0],
            IPropertyInitializerOperation { InitializedProperties.Length: 1 } property => property.InitializedProperties[0],
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation assignment when assignment.Value == value => assignment.Target.GetReferencedSymbol(),
            _ => null,
        };
    }

    // A loop that takes items from a queue and passes them (or values made from them) to WebSocket.SendAsync.
    private static void CollectDrains(ILoopOperation loop, TypeState state, WebSocketSymbols symbols)
    {
        var items = new System.Collections.Generic.Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
        if (loop is IForEachLoopOperation forEach && ReadFrom(forEach.Collection) is { } source)
        {
            foreach (var local in forEach.Locals)
            {
                items[local] = source;
            }
        }

        foreach (var descendant in loop.Descendants())
        {
            switch (descendant)
            {
                // queue.TryDequeue(out var item), reader.TryRead(out var item)
                case IInvocationOperation invocation when ReadMethods.Contains(invocation.TargetMethod.Name) && RootSymbol(invocation.Receiver()) is { } queue:
                    foreach (var argument in invocation.Arguments)
                    {
                        if (argument.Parameter?.RefKind == RefKind.Out && ReferencedLocal(argument.Value) is { } item)
                        {
                            items[item] = queue;
                        }
                    }

                    break;

                // var item = await reader.ReadAsync(); var bytes = Encoding.UTF8.GetBytes(item);
                case IVariableDeclaratorOperation { Initializer.Value: var value } declarator:
                    if (ReadFrom(value) is { } read)
                    {
                        items[declarator.Symbol] = read;
                    }
                    else if (FirstItem(value, items) is { } derivedFrom)
                    {
                        items[declarator.Symbol] = derivedFrom;
                    }

                    break;

                case IInvocationOperation { TargetMethod.Name: "SendAsync" } send when symbols.IsWebSocket(send.TargetMethod.ContainingType):
                    foreach (var argument in send.Arguments)
                    {
                        if (FirstItem(argument.Value, items) is { } drained)
                        {
                            state.Drained[drained] = true;
                        }
                    }

                    break;
            }
        }
    }

    // reader.ReadAllAsync(), queue.GetConsumingEnumerable(), await reader.ReadAsync(), queue.Dequeue(): the queue read.
    private static ISymbol? ReadFrom(IOperation? value)
    {
        var current = value?.WalkDownConversions();
        if (current is IAwaitOperation await)
        {
            current = await.Operation.WalkDownConversions();
        }

        if (current is IInvocationOperation { TargetMethod.Name: "AsTask" or "ConfigureAwait" } wrapper)
        {
            current = wrapper.Receiver()?.WalkDownConversions();
        }

        return current is IInvocationOperation invocation && ReadMethods.Contains(invocation.TargetMethod.Name)
            ? RootSymbol(invocation.Receiver())
            : null;
    }

    private static ILocalSymbol? ReferencedLocal(IOperation value) => value.WalkDownConversions() switch
    {
        ILocalReferenceOperation local => local.Local,
        IDeclarationExpressionOperation { Expression: ILocalReferenceOperation declared } => declared.Local,
        _ => null,
    };

    // The queue behind the first queue item the expression uses, if any.
    private static ISymbol? FirstItem(IOperation value, System.Collections.Generic.Dictionary<ILocalSymbol, ISymbol> items)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (operation is ILocalReferenceOperation local && items.TryGetValue(local.Local, out var queue))
            {
                return queue;
            }
        }

        return null;
    }

    // _outbox, _outbox.Reader, this.Queue: the field, property or local at the start of the member chain.
    private static ISymbol? RootSymbol(IOperation? operation)
    {
        var current = operation?.WalkDownConversions();
        while (current is IPropertyReferenceOperation { Instance: not null and not IInstanceReferenceOperation } property
               && property.Property.Name is "Reader" or "Writer")
        {
            current = property.Instance.WalkDownConversions();
        }

        return current.GetReferencedSymbol();
    }
}
