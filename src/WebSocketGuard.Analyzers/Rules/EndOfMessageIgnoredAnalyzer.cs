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

    /// <summary>Diagnostic property: "true" when a project method the chunk is handed to decodes it; no fix rewrites that method.</summary>
    public const string DecodedInCalleeProperty = "DecodedInCallee";

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
            || call.ResultUse == ReceiveResultUse.Deconstructed
            || ComparesCount(call, symbols))
        {
            return;
        }

        var buffers = BufferAliases(call, symbols);
        IInvocationOperation? consumer;
        IInvocationOperation? calleeCall = null;
        if (ReceiveLoopHelpers.ReadsResultProperty(call.Root, "EndOfMessage", symbols))
        {
            // Reading EndOfMessage is enough, except in a text echo that decodes each frame and forwards only the flag.
            if (call.ResultUse == ReceiveResultUse.Escapes
                || call.ResultEscapes(symbols)
                || FindConsumer(call, buffers, symbols, decoders: true) is not { } decoder
                || !ReencodesFramesForwardingEndOfMessage(call, decoder, symbols))
            {
                return;
            }

            consumer = decoder;
        }
        else
        {
            consumer = call.ResultUse != ReceiveResultUse.Escapes && !call.ResultEscapes(symbols)
                ? FindWholeMessageConsumer(call, buffers, symbols)
                : null;
            if (consumer is null)
            {
                (calleeCall, consumer) = FindDecodingCallee(call, buffers, symbols, context);
                if (consumer is null || calleeCall is null)
                {
                    return;
                }
            }
        }

        var canReturn = ReceiveLoopHelpers.CanReturn(ReceiveLoopHelpers.EnclosingFunction(invocation, context.ContainingSymbol), symbols);
        var properties = ImmutableDictionary<string, string?>.Empty.Add(CanReturnProperty, canReturn ? "true" : "false");
        var name = consumer.TargetMethod.MethodKind == MethodKind.DelegateInvoke ? consumer.Instance?.Syntax.ToString() ?? consumer.TargetMethod.Name : consumer.TargetMethod.Name;
        if (calleeCall is not null)
        {
            properties = properties.Add(DecodedInCalleeProperty, "true");
            name = calleeCall.TargetMethod.Name;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            invocation.Syntax.GetLocation(),
            additionalLocations: calleeCall is null
                ? new[] { consumer.Syntax.GetLocation() }
                : new[] { calleeCall.Syntax.GetLocation(), consumer.Syntax.GetLocation() },
            properties,
            name));
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
    private static IInvocationOperation? FindWholeMessageConsumer(ReceiveCall call, ImmutableArray<ISymbol> buffers, WebSocketSymbols symbols)
        => FindConsumer(call, buffers, symbols, decoders: true) ?? FindConsumer(call, buffers, symbols, decoders: false);

    private static IInvocationOperation? FindConsumer(ReceiveCall call, ImmutableArray<ISymbol> buffers, WebSocketSymbols symbols, bool decoders)
    {
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
                usesBuffer |= ReferencesAny(argument.Value, buffers) && (isDecoder || !IsProjectMethodResult(argument.Value));
                usesCount |= ReceiveLoopHelpers.ReadsCount(argument.Value, call, symbols);
            }

            if (candidate.Instance is not null && candidate.TargetMethod.MethodKind != MethodKind.DelegateInvoke)
            {
                usesBuffer |= ReferencesAny(candidate.Instance, buffers);
            }

            if ((usesBuffer || (isDecoder && usesCount)) && !IsAccumulated(candidate, symbols))
            {
                return candidate;
            }
        }

        return null;
    }

    // 'onCommand(Parse(buffer, result.Count))': what reaches the handler is what a method of the project made of the chunk,
    // and that method is judged on its own (FindDecodingCallee).
    private static bool IsProjectMethodResult(IOperation value)
    {
        var inner = value.WalkDownConversions();
        if (inner is IAwaitOperation await)
        {
            inner = await.Operation.WalkDownConversions();
        }

        return inner is IInvocationOperation { TargetMethod.DeclaringSyntaxReferences.Length: > 0, TargetMethod.MethodKind: not MethodKind.DelegateInvoke };
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

    // The receive buffer and what it was made from: 'MemoryMarshal.TryGetArray(memory, out var segment)' or
    // 'var segment = new ArraySegment<byte>(array)' receive into the memory or array that is then handed on.
    private static ImmutableArray<ISymbol> BufferAliases(ReceiveCall call, WebSocketSymbols symbols)
    {
        if (call.BufferSymbol is not { } buffer)
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        if (buffer is not ILocalSymbol local)
        {
            return ImmutableArray.Create(buffer);
        }

        foreach (var operation in call.Root.Descendants())
        {
            ISymbol? source = null;
            if (operation is IVariableDeclaratorOperation { Initializer.Value: var initializer } declarator
                && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                source = ReceiveLoopHelpers.UnwrapBuffer(initializer).GetReferencedSymbol();
            }
            else if (operation is IInvocationOperation { TargetMethod.Name: "TryGetArray", Arguments.Length: 2 } tryGetArray
                && SymbolEqualityComparer.Default.Equals(tryGetArray.TargetMethod.ContainingType, symbols.MemoryMarshal)
                && tryGetArray.Arguments[1].Value.Descendants().Prepend(tryGetArray.Arguments[1].Value)
                    .Any(o => o is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local)))
            {
                source = tryGetArray.Arguments[0].Value.GetReferencedSymbol();
            }

            if (source is not null && !SymbolEqualityComparer.Default.Equals(source, local))
            {
                return ImmutableArray.Create<ISymbol>(local, source);
            }
        }

        return ImmutableArray.Create<ISymbol>(local);
    }

    private static bool ReferencesAny(IOperation scope, ImmutableArray<ISymbol> symbols)
    {
        foreach (var symbol in symbols)
        {
            if (ReceiveLoopHelpers.References(scope, symbol))
            {
                return true;
            }
        }

        return false;
    }

    // 'Handle(buffer, result)' where Handle, a method of the project, decodes the buffer parameter as a document and does not
    // read EndOfMessage or compare the count: one level deep, and only when the result goes nowhere else that could check it.
    private static (IInvocationOperation? Call, IInvocationOperation? Decoder) FindDecodingCallee(
        ReceiveCall call, ImmutableArray<ISymbol> buffers, WebSocketSymbols symbols, OperationAnalysisContext context)
    {
        if (buffers.IsEmpty)
        {
            return (null, null);
        }

        var receiveStart = call.Invocation.Syntax.SpanStart;
        foreach (var operation in call.Root.Descendants())
        {
            if (operation is not IInvocationOperation candidate
                || candidate.Syntax.SpanStart <= receiveStart
                || candidate == call.Invocation
                || DecoderInCallee(candidate, call, buffers, symbols, context) is not { } decoder)
            {
                continue;
            }

            var resultStaysInSight = call.ResultUse == ReceiveResultUse.Escapes
                ? call.Value.WalkUpConversions(out _) is IArgumentOperation { Parent: var parent } && parent == candidate
                : !call.ResultEscapes(symbols, other => CalleeBody(other.TargetMethod, other, context) is { } body
                    && !ReceiveLoopHelpers.ReadsResultProperty(body, "EndOfMessage", symbols));
            return resultStaysInSight ? (candidate, decoder) : (null, null);
        }

        return (null, null);
    }

    private static IInvocationOperation? DecoderInCallee(
        IInvocationOperation candidate, ReceiveCall call, ImmutableArray<ISymbol> buffers, WebSocketSymbols symbols, OperationAnalysisContext context)
    {
        var method = candidate.TargetMethod.OriginalDefinition;
        var bufferParameters = ImmutableArray.CreateBuilder<ISymbol>();
        var lengthParameters = ImmutableArray.CreateBuilder<IParameterSymbol>();
        foreach (var argument in candidate.Arguments)
        {
            if (argument.Parameter is not { RefKind: RefKind.None or RefKind.In } parameter || parameter.Ordinal >= method.Parameters.Length)
            {
                continue;
            }

            var declared = method.Parameters[parameter.Ordinal];
            if (IsByteBuffer(declared.Type, symbols) && ReferencesAny(argument.Value, buffers))
            {
                bufferParameters.Add(declared);
            }
            else if (call.IsResult(argument.Value) || ReceiveLoopHelpers.ReadsCount(argument.Value, call, symbols))
            {
                lengthParameters.Add(declared);
            }
        }

        if (bufferParameters.Count == 0
            || CalleeBody(method, candidate, context) is not { } body
            || ReceiveLoopHelpers.ReadsResultProperty(body, "EndOfMessage", symbols)
            || ComparesLength(body, lengthParameters, symbols))
        {
            return null;
        }

        var decodedBuffers = bufferParameters.ToImmutable();
        foreach (var operation in body.Descendants())
        {
            if (operation is IInvocationOperation decoder
                && IsDecoder(decoder.TargetMethod, symbols)
                && (decoder.Arguments.Any(a => ReferencesAny(a.Value, decodedBuffers)) || (decoder.Instance is not null && ReferencesAny(decoder.Instance, decodedBuffers)))
                && !IsAccumulated(decoder, symbols))
            {
                return decoder;
            }
        }

        return null;
    }

    // The body of a non-virtual method or local function declared in this compilation, as operations.
    private static IOperation? CalleeBody(IMethodSymbol method, IOperation call, OperationAnalysisContext context)
    {
        method = method.OriginalDefinition;
        method = method.PartialImplementationPart ?? method;
        if (method.MethodKind is not (MethodKind.Ordinary or MethodKind.LocalFunction)
            || method.IsAbstract || method.IsVirtual || method.IsOverride || method.IsExtern
            || method.DeclaringSyntaxReferences.Length != 1
            || call.SemanticModel is not { } callerModel)
        {
            return null;
        }

        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(context.CancellationToken);
        if (!context.Compilation.ContainsSyntaxTree(syntax.SyntaxTree))
        {
            return null;
        }

#pragma warning disable RS1030 // The callee may be declared in another file (a partial class, a handler service); the driver caches models per tree.
        var model = callerModel.SyntaxTree == syntax.SyntaxTree ? callerModel : context.Compilation.GetSemanticModel(syntax.SyntaxTree);
#pragma warning restore RS1030
        return model.GetOperation(syntax, context.CancellationToken) switch
        {
            IMethodBodyOperation body => (IOperation?)body.BlockBody ?? body.ExpressionBody,
            ILocalFunctionOperation localFunction => localFunction.Body,
            _ => null,
        };
    }

    private static bool IsByteBuffer(ITypeSymbol type, WebSocketSymbols symbols)
    {
        if (type is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte })
        {
            return true;
        }

        if (type is not INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
            || named.TypeArguments[0].SpecialType != SpecialType.System_Byte)
        {
            return false;
        }

        var definition = named.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(definition, symbols.ArraySegment)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.Memory)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.ReadOnlyMemory)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.Span)
            || SymbolEqualityComparer.Default.Equals(definition, symbols.ReadOnlySpan);
    }

    // 'if (result.Count == buffer.Length)' or 'if (count < buffer.Length)' in the callee: it knows a chunk may be partial.
    private static bool ComparesLength(IOperation body, ImmutableArray<IParameterSymbol>.Builder lengthParameters, WebSocketSymbols symbols)
    {
        if (lengthParameters.Count == 0)
        {
            return false;
        }

        foreach (var operation in body.Descendants())
        {
            if (operation is IBinaryOperation binary
                && binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan
                    or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual
                && ((ReadsLength(binary.LeftOperand, lengthParameters, symbols) && !binary.RightOperand.ConstantValue.HasValue)
                    || (ReadsLength(binary.RightOperand, lengthParameters, symbols) && !binary.LeftOperand.ConstantValue.HasValue)))
            {
                return true;
            }
        }

        return false;
    }

    // The count parameter itself, or 'Count' of the result parameter.
    private static bool ReadsLength(IOperation scope, ImmutableArray<IParameterSymbol>.Builder lengthParameters, WebSocketSymbols symbols)
    {
        foreach (var operation in scope.DescendantsAndSelf())
        {
            var parameter = operation switch
            {
                IPropertyReferenceOperation { Instance: IParameterReferenceOperation instance } when ReceiveLoopHelpers.IsResultProperty(operation, "Count", symbols) => instance.Parameter,
                IParameterReferenceOperation { Parameter.Type.SpecialType: SpecialType.System_Int32 } reference => reference.Parameter,
                _ => null,
            };
            if (parameter is not null && lengthParameters.Contains(parameter, SymbolEqualityComparer.Default))
            {
                return true;
            }
        }

        return false;
    }

    // A text echo: the frame is decoded, the text re-encoded and sent with the frame's EndOfMessage. The flag is forwarded but
    // the text was cut at the frame boundary: a character split across frames is replaced, and each fragment is transformed
    // as if it were a message. Relays that send the received bytes themselves stay silent.
    private static bool ReencodesFramesForwardingEndOfMessage(ReceiveCall call, IInvocationOperation decoder, WebSocketSymbols symbols)
    {
        var forwarded = false;
        foreach (var operation in call.Root.Descendants())
        {
            if (!ReceiveLoopHelpers.IsResultProperty(operation, "EndOfMessage", symbols))
            {
                continue;
            }

            if (operation.WalkUpConversions(out _) is not IArgumentOperation { Parameter.Type.SpecialType: SpecialType.System_Boolean, Parent: IInvocationOperation send }
                || send.TargetMethod.Name != "SendAsync"
                || !symbols.IsWebSocket(send.TargetMethod.ContainingType)
                || !call.IsResult(((IPropertyReferenceOperation)operation).Instance)
                || send.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value is not { } payload
                || !IsReencodedText(payload, decoder, call.Root, symbols))
            {
                return false;
            }

            forwarded = true;
        }

        return forwarded;
    }

    // 'Encoding.UTF8.GetBytes("Echo: " + text)' (inline or through one local), where text is what the decoder returned.
    private static bool IsReencodedText(IOperation payload, IInvocationOperation decoder, IOperation root, WebSocketSymbols symbols)
    {
        var bytes = ReceiveLoopHelpers.UnwrapBuffer(payload);
        if (bytes.GetReferencedSymbol() is ILocalSymbol local)
        {
            bytes = SingleInitializer(root, local);
        }

        if (bytes?.WalkDownConversions() is not IInvocationOperation { TargetMethod.Name: "GetBytes" } encode
            || !WebSocketSymbols.IsOrDerivesFrom(encode.TargetMethod.ContainingType, symbols.Encoding))
        {
            return false;
        }

        var text = decoder.WalkUpConversions(out _) is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } ? declarator.Symbol : null;
        return encode.Arguments.Any(a => a.Value.DescendantsAndSelf().Any(o => o == decoder) || (text is not null && ReceiveLoopHelpers.References(a.Value, text)));
    }

    // The initializer of a local that is never assigned again.
    private static IOperation? SingleInitializer(IOperation root, ILocalSymbol local)
    {
        IOperation? initializer = null;
        foreach (var operation in root.Descendants())
        {
            if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                initializer = declarator.Initializer?.Value;
            }
            else if (operation is IAssignmentOperation { Target: ILocalReferenceOperation target } && SymbolEqualityComparer.Default.Equals(target.Local, local))
            {
                return null;
            }
        }

        return initializer;
    }
}
