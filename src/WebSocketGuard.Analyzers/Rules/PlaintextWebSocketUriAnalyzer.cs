using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1011: a <c>ws://</c> URL with a literal, non-loopback host that becomes a <see cref="System.Uri"/>
/// (directly, or through a field, constant or local of the same type). Text that never becomes a URI is ignored.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PlaintextWebSocketUriAnalyzer : WebSocketAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.PlaintextRemoteWebSocketUri,
        title: "Plaintext ws:// to a remote host",
        messageFormat: "'ws://' to '{0}' sends every frame, cookies and tokens included, unencrypted; use 'wss://'",
        category: RuleCategories.Security,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A ws:// connection to anything but loopback can be read and altered by anyone on the network path, and proxies often break it. Use wss:// (TLS).");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.Uri is null)
        {
            return;
        }

        context.RegisterSymbolStartAction(c => AnalyzeType(c, symbols), SymbolKind.NamedType);
    }

    private sealed class TypeState
    {
        public readonly ConcurrentBag<(IOperation Url, string Host)> Direct = new();
        public readonly ConcurrentBag<(ISymbol Target, IOperation Url, string Host)> Stored = new();
        public readonly ConcurrentBag<(ISymbol From, ISymbol To)> Derivations = new();
        public readonly ConcurrentDictionary<ISymbol, bool> BecomesUri = new(SymbolEqualityComparer.Default);
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var state = new TypeState();

        context.RegisterOperationAction(c =>
        {
            if (c.Operation is ILiteralOperation { Parent: IInterpolatedStringTextOperation })
            {
                return; // judged as part of its interpolated string
            }

            if (!TryGetPlaintextHost(c.Operation, out var host))
            {
                return;
            }

            var url = GetWholeUrl(c.Operation);
            var consumer = url.WalkUpConversions(out _);
            if (IsUriConstruction(consumer, symbols))
            {
                state.Direct.Add((c.Operation, host));
            }
            else if (url.StoredInto() is { } target)
            {
                state.Stored.Add((target, c.Operation, host));
            }
        }, OperationKind.Literal, OperationKind.InterpolatedString);

        // Records which symbols become URIs, and which symbols are built from which.
        context.RegisterOperationAction(c =>
        {
            var operation = c.Operation;

            // Only strings can carry a URL: skip every other assignment and declaration cheaply.
            if (operation is not IArgumentOperation && !AssignsString(operation))
            {
                return;
            }

            if (operation is IArgumentOperation argument && IsUriConstruction(argument, symbols))
            {
                if (GetLeadingSymbol(argument.Value) is { } source)
                {
                    state.BecomesUri.TryAdd(source, true);
                }
            }
            else if (operation is ISimpleAssignmentOperation assignment
                     && assignment.Target.GetReferencedSymbol() is { } to
                     && GetLeadingSymbol(assignment.Value) is { } from)
            {
                state.Derivations.Add((from, to));
            }
            else if (operation is IVariableDeclaratorOperation { Initializer: { } initializer } declarator
                     && GetLeadingSymbol(initializer.Value) is { } fromLocal)
            {
                state.Derivations.Add((fromLocal, declarator.Symbol));
            }
            else if (operation is IFieldInitializerOperation fieldInitializer && GetLeadingSymbol(fieldInitializer.Value) is { } fromField)
            {
                foreach (var field in fieldInitializer.InitializedFields)
                {
                    state.Derivations.Add((fromField, field));
                }
            }
            else if (operation is IPropertyInitializerOperation propertyInitializer && GetLeadingSymbol(propertyInitializer.Value) is { } fromProperty)
            {
                foreach (var property in propertyInitializer.InitializedProperties)
                {
                    state.Derivations.Add((fromProperty, property));
                }
            }
        }, OperationKind.Argument, OperationKind.SimpleAssignment, OperationKind.VariableDeclarator, OperationKind.FieldInitializer, OperationKind.PropertyInitializer);

        context.RegisterSymbolEndAction(c =>
        {
            foreach (var (url, host) in state.Direct)
            {
                c.ReportDiagnostic(Diagnostic.Create(Rule, url.Syntax.GetLocation(), host));
            }

            if (state.Stored.IsEmpty)
            {
                return;
            }

            // A symbol becomes a URI if it does directly or if something built from it does.
            var becomesUri = new HashSet<ISymbol>(state.BecomesUri.Keys, SymbolEqualityComparer.Default);
            var derivations = state.Derivations.ToArray();
            bool changed;
            do
            {
                changed = false;
                foreach (var (from, to) in derivations)
                {
                    if (becomesUri.Contains(to) && becomesUri.Add(from))
                    {
                        changed = true;
                    }
                }
            }
            while (changed);

            foreach (var (target, url, host) in state.Stored)
            {
                if (becomesUri.Contains(target))
                {
                    c.ReportDiagnostic(Diagnostic.Create(Rule, url.Syntax.GetLocation(), host));
                }
            }
        });
    }

    /// <summary>True when the text starts a ws:// URL to a literal remote host.</summary>
    internal static bool TryGetPlaintextHost(IOperation operation, out string host)
    {
        host = string.Empty;
        switch (operation)
        {
            case ILiteralOperation { ConstantValue: { HasValue: true, Value: string text } } literal:
                var isComplete = !(literal.WalkUpConversions(out var value) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary && binary.LeftOperand == value);
                return WebSocketUriText.IsPlaintextRemote(text, isComplete, out host);

            case IInterpolatedStringOperation interpolated when !interpolated.Parts.IsEmpty:
                if (interpolated.ConstantValue is { HasValue: true, Value: string constant })
                {
                    return WebSocketUriText.IsPlaintextRemote(constant, true, out host);
                }

                return interpolated.Parts[0] is IInterpolatedStringTextOperation { Text.ConstantValue: { HasValue: true, Value: string prefix } }
                    && WebSocketUriText.IsPlaintextRemote(prefix, isComplete: false, out host);

            default:
                return false;
        }
    }

    private static bool AssignsString(IOperation operation)
    {
        var value = operation switch
        {
            ISimpleAssignmentOperation assignment => assignment.Value,
            IVariableDeclaratorOperation declarator => declarator.Initializer?.Value,
            IFieldInitializerOperation field => field.Value,
            IPropertyInitializerOperation property => property.Value,
            _ => null,
        };
        return value?.Type?.SpecialType == SpecialType.System_String;
    }

    // "ws://host:" + port + "/path": the URL is the whole left-nested concatenation.
    private static IOperation GetWholeUrl(IOperation start)
    {
        var current = start;
        while (current.WalkUpConversions(out var value) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary
               && binary.LeftOperand == value)
        {
            current = binary;
        }

        return current;
    }

    // The symbol a URL expression starts from: Url, Url + "/x", $"{Url}/x".
    private static ISymbol? GetLeadingSymbol(IOperation value)
    {
        var operation = value.WalkDownConversions();
        while (true)
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } binary:
                    operation = binary.LeftOperand.WalkDownConversions();
                    continue;
                case IInterpolatedStringOperation interpolated when !interpolated.Parts.IsEmpty && interpolated.Parts[0] is IInterpolationOperation hole:
                    operation = hole.Expression.WalkDownConversions();
                    continue;
                default:
                    return operation.GetReferencedSymbol();
            }
        }
    }

    private static bool IsUriConstruction(IOperation? consumer, WebSocketSymbols symbols)
    {
        if (consumer is not IArgumentOperation argument || argument.Parameter is null || argument.Parameter.Type.SpecialType != SpecialType.System_String)
        {
            return false;
        }

        return argument.Parent switch
        {
            IObjectCreationOperation creation => SymbolEqualityComparer.Default.Equals(creation.Type, symbols.Uri)
                                                 || SymbolEqualityComparer.Default.Equals(creation.Type, symbols.UriBuilder),
            IInvocationOperation invocation => invocation.TargetMethod.Name == "TryCreate"
                                               && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.Uri),
            _ => false,
        };
    }
}
