using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>Symbols of the socket I/O rules (WSG1010, WSG1012, WSG1014).</summary>
internal sealed partial class WebSocketSymbols
{
    public INamedTypeSymbol? CancellationTokenSource => Type("System.Threading.CancellationTokenSource");

    public INamedTypeSymbol? GenericTask => Type("System.Threading.Tasks.Task`1");

    public INamedTypeSymbol? GenericValueTask => Type("System.Threading.Tasks.ValueTask`1");

    public INamedTypeSymbol? TaskAwaiter => Type("System.Runtime.CompilerServices.TaskAwaiter");

    public INamedTypeSymbol? GenericTaskAwaiter => Type("System.Runtime.CompilerServices.TaskAwaiter`1");

    public INamedTypeSymbol? ValueTaskAwaiter => Type("System.Runtime.CompilerServices.ValueTaskAwaiter");

    public INamedTypeSymbol? GenericValueTaskAwaiter => Type("System.Runtime.CompilerServices.ValueTaskAwaiter`1");

    /// <summary>True for <c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c> and <c>ValueTask&lt;T&gt;</c>.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        var definition = type?.OriginalDefinition;
        return definition is not null
            && (SymbolEqualityComparer.Default.Equals(definition, Task)
                || SymbolEqualityComparer.Default.Equals(definition, GenericTask)
                || SymbolEqualityComparer.Default.Equals(definition, ValueTask)
                || SymbolEqualityComparer.Default.Equals(definition, GenericValueTask));
    }
}
