using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1008: what one <c>ReceiveAsync</c> put in the buffer is decoded or handed to a handler as a whole message,
/// and nothing in the method reads <c>EndOfMessage</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EndOfMessageIgnoredAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: "true" when a plain <c>return;</c> leaves the method (async void, Task or ValueTask).</summary>
    public const string CanReturnProperty = "CanReturn";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.EndOfMessageIgnored,
        title: "EndOfMessage ignored",
        messageFormat: "One ReceiveAsync result is handled as a whole message by '{0}' without checking EndOfMessage: messages larger than the buffer or sent in fragments get truncated",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "ReceiveAsync returns as soon as some data has arrived: one frame, or as much of it as fits in the buffer. A message larger than the buffer, or sent in several frames, takes several receives, and only the last has EndOfMessage set. Decoding each receive as a message truncates and corrupts large messages (and splits multi-byte characters). Accumulate until EndOfMessage, with a size limit.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "ReceiveAsync")
        {
            return;
        }

        var call = ReceiveCall.TryCreate(invocation, symbols);
        if (call is null
            || call.ResultUse is ReceiveResultUse.Escapes or ReceiveResultUse.Deconstructed
            || ReceiveLoopHelpers.ReadsResultProperty(call.Root, "EndOfMessage", symbols)
            || call.ResultEscapes(symbols)
            || ComparesCount(call, symbols))
        {
            return;
        }

        var consumer = FindWholeMessageConsumer(call, symbols);
        if (consumer is null)
        {
            return;
        }

        var canReturn = ReceiveLoopHelpers.CanReturn(ReceiveLoopHelpers.EnclosingFunction(invocation, context.ContainingSymbol), symbols);
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            invocation.Syntax.GetLocation(),
            additionalLocations: new[] { consumer.Syntax.GetLocation() },
            ImmutableDictionary<string, string?>.Empty.Add(CanReturnProperty, canReturn ? "true" : "false"),
            consumer.TargetMethod.MethodKind == MethodKind.DelegateInvoke ? consumer.Instance?.Syntax.ToString() ?? consumer.TargetMethod.Name : consumer.TargetMethod.Name));
    }

    // 'if (result.Count == buffer.Length)' and the like: the code knows a receive may not hold the whole message.
    private static bool ComparesCount(ReceiveCall call, WebSocketSymbols symbols)
    {
        foreach (var operation in call.Root.Descendants())
        {
            if (operation is IBinaryOperation binary
                && binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan
                    or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual
                && ((ReceiveLoopHelpers.ReadsCount(binary.LeftOperand, call, symbols) && !binary.RightOperand.ConstantValue.HasValue)
                    || (ReceiveLoopHelpers.ReadsCount(binary.RightOperand, call, symbols) && !binary.LeftOperand.ConstantValue.HasValue)))
            {
                return true;
            }

            // Assert.Equal(expected.Length, result.Count), result.Count.ShouldBe(n), result.Count.Should().Be(n): a test that
            // fails loudly on a partial message checks the count as surely as an 'if' does.
            if (operation is IInvocationOperation assertion
                && ComparisonCalls.Contains(assertion.TargetMethod.Name)
                && ReceiveLoopHelpers.ReadsCount(assertion, call, symbols)
                && assertion.Arguments.Any(a => !a.Value.ConstantValue.HasValue && !ReceiveLoopHelpers.ReadsCount(a.Value, call, symbols)))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly ImmutableHashSet<string> ComparisonCalls = ImmutableHashSet.Create(
        "Equals", "Equal", "AreEqual", "ShouldBe", "ShouldEqual", "Be", "IsEqualTo", "EqualTo",
        "BeLessThan", "BeLessThanOrEqualTo", "BeGreaterThan", "BeGreaterThanOrEqualTo", "ShouldBeLessThan", "ShouldBeGreaterThan");

    // A decoder is the clearest evidence, so it is preferred to the handler call that may wrap it.
    private static IInvocationOperation? FindWholeMessageConsumer(ReceiveCall call, WebSocketSymbols symbols)
        => FindConsumer(call, symbols, decoders: true) ?? FindConsumer(call, symbols, decoders: false);

    private static IInvocationOperation? FindConsumer(ReceiveCall call, WebSocketSymbols symbols, bool decoders)
    {
        var buffer = call.BufferSymbol;
        var receiveStart = call.Invocation.Syntax.SpanStart;
        foreach (var operation in call.Root.Descendants())
        {
            if (operation is not IInvocationOperation candidate
                || candidate.Syntax.SpanStart <= receiveStart
                || candidate == call.Invocation)
            {
                continue;
            }

            var isDecoder = IsDecoder(candidate.TargetMethod, symbols);
            if (isDecoder != decoders || (!isDecoder && !IsHandler(candidate.TargetMethod)))
            {
                continue;
            }

            var usesBuffer = false;
            var usesCount = false;
            foreach (var argument in candidate.Arguments)
            {
                usesBuffer |= ReceiveLoopHelpers.References(argument.Value, buffer);
                usesCount |= ReceiveLoopHelpers.ReadsCount(argument.Value, call, symbols);
            }

            if (candidate.Instance is not null && candidate.TargetMethod.MethodKind != MethodKind.DelegateInvoke)
            {
                usesBuffer |= ReceiveLoopHelpers.References(candidate.Instance, buffer);
            }

            if ((usesBuffer || (isDecoder && usesCount)) && !IsAccumulated(candidate, symbols))
            {
                return candidate;
            }
        }

        return null;
    }

    // Text decoders and deserializers that take the bytes as one complete document.
    private static bool IsDecoder(IMethodSymbol method, WebSocketSymbols symbols)
    {
        var type = method.ContainingType;
        switch (method.Name)
        {
            case "GetString":
            case "GetChars":
                return WebSocketSymbols.IsOrDerivesFrom(type, symbols.Encoding);
            case "Deserialize":
            case "DeserializeAsync":
                return SymbolEqualityComparer.Default.Equals(type, symbols.JsonSerializer)
                    || (symbols.MessagePackSerializer is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.MessagePackSerializer));
            case "DeserializeObject":
                return symbols.NewtonsoftJsonConvert is not null && SymbolEqualityComparer.Default.Equals(type, symbols.NewtonsoftJsonConvert);
            case "Parse":
                return SymbolEqualityComparer.Default.Equals(type, symbols.JsonDocument) || SymbolEqualityComparer.Default.Equals(type, symbols.JsonNode);
            default:
                return false;
        }
    }

    // A delegate the code was given (onMessage, an event): the application's handler, which only sees the bytes.
    // Methods of the project are not judged: they may only log or copy the chunk, and their body is out of sight.
    private static bool IsHandler(IMethodSymbol method)
        => method.MethodKind == MethodKind.DelegateInvoke;

    // 'builder.Append(Encoding.UTF8.GetString(...))': pieces are collected, not handled one by one.
    private static bool IsAccumulated(IInvocationOperation decoder, WebSocketSymbols symbols)
    {
        var consumer = decoder.WalkUpConversions(out _);
        return consumer is IArgumentOperation { Parent: IInvocationOperation outer }
            && (WebSocketSymbols.IsOrDerivesFrom(outer.TargetMethod.ContainingType, symbols.StringBuilder)
                || WebSocketSymbols.IsOrDerivesFrom(outer.TargetMethod.ContainingType, symbols.Stream)
                || WebSocketSymbols.IsOrDerivesFrom(outer.TargetMethod.ContainingType, symbols.GenericList));
    }
}
