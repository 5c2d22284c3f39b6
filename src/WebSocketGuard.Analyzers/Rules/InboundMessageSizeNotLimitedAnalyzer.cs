using System.Collections.Generic;
using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1009: a receive loop collects fragments until EndOfMessage (MemoryStream, List&lt;byte&gt;, StringBuilder,
/// ArrayBufferWriter, a growing array) and nothing in the loop compares the size with a limit.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class InboundMessageSizeNotLimitedAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: the size property of the accumulator (Length, Count, WrittenCount), absent when it has none.</summary>
    public const string SizePropertyProperty = "SizeProperty";

    /// <summary>Diagnostic property: "true" when a plain <c>return;</c> leaves the method (async void, Task or ValueTask).</summary>
    public const string CanReturnProperty = "CanReturn";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.InboundMessageSizeNotLimited,
        title: "Inbound message size not limited",
        messageFormat: "Fragments are collected until EndOfMessage with no size limit: the peer decides how much memory '{0}' grows to",
        category: RuleCategories.Security,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A message can be split into any number of frames, and EndOfMessage comes only when the sender says so. A loop that appends every fragment to a MemoryStream, list, StringBuilder or buffer writer without comparing the total to a maximum lets one peer make the process allocate until it runs out of memory. Check the size before appending and close with WebSocketCloseStatus.MessageTooBig (1009) when it is exceeded.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        // Appends are everywhere (StringBuilder.Append): look at them only in code blocks that receive from a WebSocket.
        context.RegisterOperationBlockStartAction(block =>
        {
            var gate = new object();
            var sawReceive = false;
            List<IInvocationOperation>? appends = null;
            block.RegisterOperationAction(c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                lock (gate)
                {
                    if (invocation.TargetMethod.Name == "ReceiveAsync" && symbols.IsWebSocket(invocation.TargetMethod.ContainingType))
                    {
                        sawReceive = true;
                    }
                    else if (IsAccumulation(invocation, symbols, out _, out _))
                    {
                        (appends ??= new List<IInvocationOperation>()).Add(invocation);
                    }
                }
            }, OperationKind.Invocation);
            block.RegisterOperationBlockEndAction(c =>
            {
                if (!sawReceive || appends is null)
                {
                    return;
                }

                // One finding per accumulator: the last write (the one in the fragment loop) is where it grows, and one
                // size check silences every write to it.
                var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
                foreach (var append in appends.OrderByDescending(a => a.Syntax.SpanStart))
                {
                    AnalyzeAppend(append, c.OwningSymbol, diagnostic =>
                    {
                        if (!IsAccumulation(append, symbols, out var accumulator, out _) || accumulator is null || reported.Add(accumulator))
                        {
                            c.ReportDiagnostic(diagnostic);
                        }
                    }, symbols);
                }
            });
        });
    }

    private static void AnalyzeAppend(IInvocationOperation append, ISymbol containingSymbol, Action<Diagnostic> report, WebSocketSymbols symbols)
    {
        if (!IsAccumulation(append, symbols, out var accumulator, out var sizeProperty))
        {
            return;
        }

        var loop = ReceiveLoopHelpers.EnclosingLoop(append);
        if (loop is null)
        {
            return;
        }

        var receive = FindFeedingReceive(loop, append, symbols);
        if (receive is null
            || !ReceiveLoopHelpers.ReadsResultProperty(receive.Root, "EndOfMessage", symbols)
            || HasLimit(receive, ReceiveLoopHelpers.OutermostLoop(append) ?? loop, accumulator, symbols))
        {
            return;
        }

        var function = ReceiveLoopHelpers.EnclosingFunction(append, containingSymbol);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CanReturnProperty, ReceiveLoopHelpers.CanReturn(function, symbols) ? "true" : "false");
        if (sizeProperty is not null)
        {
            properties = properties.Add(SizePropertyProperty, sizeProperty);
        }

        // The server's memory is the one at stake; a client usually talks to a server it chose.
        var severity = ReceiveLoopHelpers.IsServerSocket(receive, function, symbols) == true ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info;
        var name = accumulator?.Name ?? append.Instance?.Syntax.ToString() ?? "the buffer";
        report(Diagnostic.Create(
            Rule,
            append.Syntax.GetLocation(),
            severity,
            additionalLocations: new[] { receive.Invocation.Syntax.GetLocation() },
            properties,
            name));
    }

    private static bool IsAccumulation(IInvocationOperation invocation, WebSocketSymbols symbols, out ISymbol? accumulator, out string? sizeProperty)
    {
        accumulator = null;
        sizeProperty = null;
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        switch (method.Name)
        {
            case "Write" or "WriteAsync" when invocation.Instance is not null && WebSocketSymbols.IsOrDerivesFrom(invocation.Instance.Type, symbols.MemoryStream):
                accumulator = invocation.Instance.GetReferencedSymbol();
                sizeProperty = "Length";
                return true;
            case "Write" when method.IsExtensionMethod && SymbolEqualityComparer.Default.Equals(type, symbols.BuffersExtensions) && invocation.Arguments.Length > 0:
                var writer = invocation.Arguments[0].Value.WalkDownConversions();
                accumulator = writer.GetReferencedSymbol();
                sizeProperty = WebSocketSymbols.IsOrDerivesFrom(writer.Type, symbols.ArrayBufferWriter) ? "WrittenCount" : null;
                return true;
            case "AddRange" or "InsertRange" when WebSocketSymbols.IsOrDerivesFrom(type, symbols.GenericList):
                accumulator = invocation.Instance?.GetReferencedSymbol();
                sizeProperty = "Count";
                return true;
            case "Append" when WebSocketSymbols.IsOrDerivesFrom(type, symbols.StringBuilder):
                accumulator = invocation.Instance?.GetReferencedSymbol();
                sizeProperty = "Length";
                return true;
            case "Advance" when WebSocketSymbols.IsOrDerivesFrom(type, symbols.ArrayBufferWriter)
                                || SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.BufferWriterInterface):
                accumulator = invocation.Instance?.GetReferencedSymbol();
                sizeProperty = invocation.Instance is not null && WebSocketSymbols.IsOrDerivesFrom(invocation.Instance.Type, symbols.ArrayBufferWriter) ? "WrittenCount" : null;
                return true;
            case "Resize" when SymbolEqualityComparer.Default.Equals(type, symbols.SystemArray) && invocation.Arguments.Length > 0:
                accumulator = invocation.Arguments[0].Value.GetReferencedSymbol();
                return true;
            default:
                return false;
        }
    }

    // The receive in the same loop whose buffer or Count the append takes.
    private static ReceiveCall? FindFeedingReceive(ILoopOperation loop, IInvocationOperation append, WebSocketSymbols symbols)
    {
        foreach (var operation in loop.Descendants())
        {
            if (operation is not IInvocationOperation { TargetMethod.Name: "ReceiveAsync" } invocation
                || ReceiveLoopHelpers.EnclosingLoop(invocation) is not { } receiveLoop
                || !IsWithin(receiveLoop, loop)
                || ReceiveCall.TryCreate(invocation, symbols) is not { } call)
            {
                continue;
            }

            foreach (var argument in append.Arguments)
            {
                if (ReceiveLoopHelpers.ReadsCount(argument.Value, call, symbols) || ReceiveLoopHelpers.References(argument.Value, call.BufferSymbol))
                {
                    return call;
                }
            }
        }

        return null;
    }

    private static bool IsWithin(IOperation inner, IOperation outer)
    {
        for (var current = inner; current is not null; current = current.Parent)
        {
            if (current == outer)
            {
                return true;
            }
        }

        return false;
    }

    // Any size comparison in the loop nest counts as a limit: on the accumulator, a Length/Count/Position,
    // or a running total. A MessageTooBig close anywhere in the method counts too.
    private static bool HasLimit(ReceiveCall receive, ILoopOperation loopNest, ISymbol? accumulator, WebSocketSymbols symbols)
    {
        foreach (var operation in receive.Root.Descendants())
        {
            if (operation is IFieldReferenceOperation { Field.Name: "MessageTooBig" } field
                && SymbolEqualityComparer.Default.Equals(field.Field.ContainingType, symbols.WebSocketCloseStatus))
            {
                return true;
            }

            // new MemoryStream(byte[]) cannot grow past the array it wraps.
            if (accumulator is not null
                && operation is IVariableDeclaratorOperation { Initializer.Value: var initial } declarator
                && SymbolEqualityComparer.Default.Equals(declarator.Symbol, accumulator)
                && initial.WalkDownConversions() is IObjectCreationOperation { Arguments.Length: > 0 } creation
                && WebSocketSymbols.IsOrDerivesFrom(creation.Type, symbols.MemoryStream)
                && creation.Arguments[0].Value.Type is IArrayTypeSymbol)
            {
                return true;
            }
        }

        foreach (var operation in loopNest.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual } binary
                    when IsSizeLike(binary.LeftOperand, receive, loopNest, accumulator, symbols) || IsSizeLike(binary.RightOperand, receive, loopNest, accumulator, symbols):
                    return true;
                case IIsPatternOperation pattern when HasRelationalPattern(pattern.Pattern) && IsSizeLike(pattern.Value, receive, loopNest, accumulator, symbols):
                    return true;
                case IInvocationOperation { TargetMethod.Name: "Min" or "Max" or "Clamp" } clamp
                    when SymbolEqualityComparer.Default.Equals(clamp.TargetMethod.ContainingType, symbols.Math):
                    return true;
            }
        }

        return false;
    }

    private static bool HasRelationalPattern(IPatternOperation pattern)
    {
        foreach (var part in pattern.DescendantsAndSelf())
        {
            if (part is IRelationalPatternOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSizeLike(IOperation operand, ReceiveCall receive, ILoopOperation loopNest, ISymbol? accumulator, WebSocketSymbols symbols)
    {
        foreach (var part in operand.DescendantsAndSelf())
        {
            if (accumulator is not null && SymbolEqualityComparer.Default.Equals(part.GetReferencedSymbol(), accumulator))
            {
                return true;
            }

            if (part is IPropertyReferenceOperation { Property.Name: "Length" or "LongLength" or "Position" or "WrittenCount" or "Count" } size
                && !(ReceiveLoopHelpers.IsResultProperty(size, "Count", symbols) && receive.IsResult(size.Instance)))
            {
                return true;
            }

            if (part is ILocalReferenceOperation local && IsRunningTotal(local.Local, loopNest))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRunningTotal(ILocalSymbol local, ILoopOperation loopNest)
    {
        foreach (var operation in loopNest.Descendants())
        {
            if ((operation is ICompoundAssignmentOperation compound && SymbolEqualityComparer.Default.Equals(compound.Target.GetReferencedSymbol(), local))
                || (operation is IIncrementOrDecrementOperation increment && SymbolEqualityComparer.Default.Equals(increment.Target.GetReferencedSymbol(), local))
                || (operation is ISimpleAssignmentOperation assignment && SymbolEqualityComparer.Default.Equals(assignment.Target.GetReferencedSymbol(), local)))
            {
                return true;
            }
        }

        return false;
    }
}
