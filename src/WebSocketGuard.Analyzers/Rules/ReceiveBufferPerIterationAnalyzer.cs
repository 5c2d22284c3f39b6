using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1013: the buffer a loop receives into is allocated inside the loop (<c>new byte[n]</c>,
/// <c>WebSocket.CreateClientBuffer</c>/<c>CreateServerBuffer</c>) though its size does not change and it never outlives the iteration.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ReceiveBufferPerIterationAnalyzer : WebSocketAnalyzer
{
    private const int MaxWrapperDepth = 3;

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.ReceiveBufferPerIteration,
        title: "Receive buffer allocated on every iteration",
        messageFormat: "The receive buffer{0} is allocated on every iteration of the receive loop: allocate it once before the loop",
        category: RuleCategories.Performance,
        defaultSeverity: DiagnosticSeverity.Info,
        description: "A receive buffer allocated inside the loop makes one garbage array per message (or per fragment), which adds up on a busy socket and puts buffers of 85 KB and more on the large object heap. When the size does not change and the bytes are consumed before the next receive, allocate the buffer once before the loop, or rent it once from ArrayPool<byte>.Shared and return it in finally.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeAllocation(c, c.Operation, symbols), OperationKind.ArrayCreation);
        context.RegisterOperationAction(
            c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                if (invocation.TargetMethod.Name is "CreateClientBuffer" or "CreateServerBuffer"
                    && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.WebSocket))
                {
                    AnalyzeAllocation(c, invocation, symbols);
                }
            },
            OperationKind.Invocation);
    }

    private static void AnalyzeAllocation(OperationAnalysisContext context, IOperation allocation, WebSocketSymbols symbols)
    {
        ImmutableArray<IOperation> sizes;
        if (allocation is IArrayCreationOperation array)
        {
            if (array.Initializer is not null || array.DimensionSizes.Length != 1
                || array.Type is not IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte })
            {
                return;
            }

            sizes = array.DimensionSizes;
        }
        else
        {
            var builder = ImmutableArray.CreateBuilder<IOperation>();
            foreach (var argument in ((IInvocationOperation)allocation).Arguments)
            {
                builder.Add(argument.Value);
            }

            sizes = builder.ToImmutable();
        }

        var loop = ReceiveLoopHelpers.EnclosingLoop(allocation);
        if (loop is null)
        {
            return;
        }

        var consumer = WrapperConsumer(allocation, symbols);
        var buffer = consumer is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol : null;
        var receive = FindReceiveInto(loop, allocation, buffer, symbols);
        if (receive is null || !RepeatsPerMessage(loop, receive, symbols))
        {
            return;
        }

        foreach (var size in sizes)
        {
            if (!IsLoopInvariant(size, loop, symbols))
            {
                return;
            }
        }

        if (buffer is not null && !StaysInIteration(buffer, receive.Root, symbols, depth: 0))
        {
            return; // each message keeps its own array (queued, stored, handed to a handler): the allocation is needed
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, allocation.Syntax.GetLocation(), buffer is null ? string.Empty : $" '{buffer.Name}'"));
    }

    // 'new ArraySegment<byte>(new byte[n])', 'new byte[n].AsMemory()': the variable that holds the view holds the buffer.
    private static IOperation? WrapperConsumer(IOperation allocation, WebSocketSymbols symbols)
    {
        var current = allocation;
        for (var depth = 0; depth < MaxWrapperDepth; depth++)
        {
            var consumer = current.WalkUpConversions(out var value);
            switch (consumer)
            {
                case IArgumentOperation { Parent: IObjectCreationOperation creation } argument
                    when argument.Parameter?.Ordinal == 0 && IsBufferView(creation.Type, symbols):
                    current = creation;
                    break;
                case IInvocationOperation { TargetMethod.Name: "AsMemory" } invocation when invocation.Instance == value:
                    current = invocation;
                    break;
                case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "AsMemory" } invocation }
                    when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.MemoryExtensions):
                    current = invocation;
                    break;
                default:
                    return consumer;
            }
        }

        return current.WalkUpConversions(out _);
    }

    private static ReceiveCall? FindReceiveInto(ILoopOperation loop, IOperation allocation, ILocalSymbol? buffer, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.Descendants())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "ReceiveAsync" } invocation
                && ReceiveLoopHelpers.EnclosingLoop(invocation) is not null
                && ReceiveCall.TryCreate(invocation, symbols) is { } call)
            {
                var target = ReceiveLoopHelpers.UnwrapBuffer(call.BufferArgument);
                if (target == allocation || (buffer is not null && SymbolEqualityComparer.Default.Equals(target.GetReferencedSymbol(), buffer)))
                {
                    return call;
                }
            }
        }

        return null;
    }

    // Between the allocation's loop and the receive there may be fragment loops (one message), but not another
    // message loop: a buffer made once per connection, around the loop that receives, is fine.
    private static bool RepeatsPerMessage(ILoopOperation allocationLoop, ReceiveCall receive, WebSocketSymbols symbols)
    {
        for (var loop = receive.Loop; loop is not null && loop != allocationLoop; loop = ReceiveLoopHelpers.EnclosingLoop(loop))
        {
            if (!ReceiveLoopHelpers.IsFragmentLoop(loop, symbols))
            {
                return false;
            }
        }

        return true;
    }

    // The size must be the same on every iteration: constants, fields, and variables from outside the loop it does not change.
    private static bool IsLoopInvariant(IOperation size, ILoopOperation loop, WebSocketSymbols symbols)
    {
        if (size.ConstantValue.HasValue)
        {
            return true;
        }

        foreach (var part in size.DescendantsAndSelf())
        {
            switch (part)
            {
                case IInvocationOperation:
                case IAwaitOperation:
                    return false;
                case IPropertyReferenceOperation property when ReceiveLoopHelpers.IsResultType(property.Property.ContainingType, symbols):
                    return false;
                case ILocalReferenceOperation local when IsDeclaredIn(local.Local, loop) || IsAssignedIn(local.Local, loop):
                    return false;
                case IParameterReferenceOperation parameter when IsAssignedIn(parameter.Parameter, loop):
                    return false;
                case IFieldReferenceOperation field when !field.Field.IsReadOnly && !field.Field.IsConst && IsAssignedIn(field.Field, loop):
                    return false;
            }
        }

        return true;
    }

    private static bool IsDeclaredIn(ILocalSymbol local, ILoopOperation loop)
    {
        foreach (var reference in local.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree == loop.Syntax.SyntaxTree && loop.Syntax.Span.Contains(reference.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAssignedIn(ISymbol symbol, ILoopOperation loop)
    {
        foreach (var operation in loop.Descendants())
        {
            var target = operation switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };
            if (target is not null && SymbolEqualityComparer.Default.Equals(target.GetReferencedSymbol(), symbol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every use of the buffer reads or copies its bytes, so one array can serve every iteration.</summary>
    private static bool StaysInIteration(ISymbol buffer, IOperation root, WebSocketSymbols symbols, int depth)
    {
        foreach (var reference in ReceiveLoopHelpers.ReferencesOf(root, buffer))
        {
            if (!IsTransientUse(reference, symbols, depth))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTransientUse(IOperation use, WebSocketSymbols symbols, int depth)
    {
        if (depth > MaxWrapperDepth)
        {
            return false;
        }

        var consumer = use.WalkUpConversions(out var value);
        switch (consumer)
        {
            case IArrayElementReferenceOperation:
            case IImplicitIndexerReferenceOperation:
            case IPropertyReferenceOperation { Property.Name: "Length" or "LongLength" or "Count" or "Offset" or "IsEmpty" }:
                return true;
            case IPropertyReferenceOperation { Property.Name: "Array" or "Span" } inner:
                return IsTransientUse(inner, symbols, depth + 1);
            case IInvocationOperation invocation when invocation.Instance == value:
                return invocation.TargetMethod.Name switch
                {
                    "CopyTo" or "ToArray" or "TryCopyTo" or "Clear" or "Fill" or "SequenceEqual" or "GetHashCode" => true,
                    "AsMemory" or "AsSpan" or "Slice" => IsTransientUse(invocation, symbols, depth + 1),
                    _ => false,
                };
            case IArgumentOperation { Parent: IInvocationOperation invocation }:
                if (invocation.TargetMethod.Name is "AsMemory" or "AsSpan" && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.MemoryExtensions))
                {
                    return IsTransientUse(invocation, symbols, depth + 1);
                }

                return IsCopyingCallee(invocation.TargetMethod, symbols);
            case IArgumentOperation { Parent: IObjectCreationOperation creation } when IsBufferView(creation.Type, symbols):
                return IsTransientUse(creation, symbols, depth + 1);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } when IsBufferView(declarator.Symbol.Type, symbols):
                return StaysInIteration(declarator.Symbol, use.GetRoot(), symbols, depth + 1);
            default:
                return false;
        }
    }

    private static bool IsBufferView(ITypeSymbol? type, WebSocketSymbols symbols)
    {
        var definition = type?.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(definition, symbols.ArraySegment)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.Memory)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.ReadOnlyMemory)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.Span)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.ReadOnlySpan);
    }

    // Calls that read or copy the bytes and keep no reference to the array.
    private static bool IsCopyingCallee(IMethodSymbol method, WebSocketSymbols symbols)
    {
        var type = method.ContainingType;
        if (symbols.IsWebSocket(type))
        {
            return method.Name is "ReceiveAsync" or "SendAsync";
        }

        if (WebSocketSymbols.IsOrDerivesFrom(type, symbols.Stream))
        {
            return method.Name is "Write" or "WriteAsync";
        }

        if (WebSocketSymbols.IsOrDerivesFrom(type, symbols.GenericList))
        {
            return method.Name is "AddRange" or "InsertRange";
        }

        return WebSocketSymbols.IsOrDerivesFrom(type, symbols.Encoding)
            || WebSocketSymbols.IsOrDerivesFrom(type, symbols.Decoder)
            || WebSocketSymbols.IsOrDerivesFrom(type, symbols.StringBuilder)
            || SymbolEqualityComparer.Default.Equals(type, symbols.MemoryExtensions)
            || SymbolEqualityComparer.Default.Equals(type, symbols.SystemArray)
            || SymbolEqualityComparer.Default.Equals(type, symbols.SystemBuffer)
            || SymbolEqualityComparer.Default.Equals(type, symbols.BitConverter)
            || SymbolEqualityComparer.Default.Equals(type, symbols.BinaryPrimitives)
            || SymbolEqualityComparer.Default.Equals(type, symbols.Convert)
            || SymbolEqualityComparer.Default.Equals(type, symbols.Console)
            || (SymbolEqualityComparer.Default.Equals(type, symbols.JsonSerializer) && method.Name == "Deserialize");
    }
}
