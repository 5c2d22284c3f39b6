using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1002: a socket that can never notice a vanished peer. Either keep-alive is switched off,
/// or (on .NET 9+, where the framework can do it) no <c>KeepAliveTimeout</c> is configured.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MissingDeadPeerDetectionAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: which shape was found, so the fixer knows what to edit.</summary>
    public const string KindProperty = "Kind";
    public const string KindDisabledValue = "DisabledValue";
    public const string KindClientSocket = "ClientSocket";
    public const string KindCreationOptions = "CreationOptions";
    public const string KindUseWebSockets = "UseWebSockets";

    /// <summary>Diagnostic property: "true" when the framework has <c>KeepAliveTimeout</c>.</summary>
    public const string HasTimeoutProperty = "HasKeepAliveTimeout";

    /// <summary>Diagnostic property: "true" when the project references the WebSocketGuard runtime.</summary>
    public const string HasRuntimeProperty = "HasRuntime";

    /// <summary>Diagnostic property: "true" when the code already sets a usable <c>KeepAliveInterval</c>.</summary>
    public const string HasIntervalProperty = "HasKeepAliveInterval";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.MissingDeadPeerDetection,
        title: "No dead-peer detection (keep-alive timeout)",
        messageFormat: "{0}",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Warning,
        description: "A peer that vanishes without a Close frame (network drop, crash, sleeping laptop) leaves ReceiveAsync waiting forever unless the socket pings and gives up when no answer arrives. Keep keep-alive on and, on .NET 9 and later, set KeepAliveTimeout.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.TimeSpan is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeAssignment(c, symbols), OperationKind.SimpleAssignment);
        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);

        if (symbols.ClientWebSocket is not null || symbols.WebSocketCreationOptions is not null)
        {
            context.RegisterOperationAction(c => AnalyzeCreation(c, symbols), OperationKind.ObjectCreation);
        }

        if (symbols.ClientWebSocket is not null)
        {
            context.RegisterSymbolStartAction(c => SocketFieldsOfType.Start(c, symbols), SymbolKind.NamedType);
        }

        if (symbols.AspNetWebSocketMiddlewareExtensions is not null)
        {
            context.RegisterSymbolStartAction(c => AnalyzeServerType(c, symbols), SymbolKind.NamedType);
        }
    }

    // Case 1: KeepAliveInterval switched off on any of the option types.
    private static void AnalyzeAssignment(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var assignment = (ISimpleAssignmentOperation)context.Operation;
        if (assignment.Target is not IPropertyReferenceOperation { Property.Name: "KeepAliveInterval" } target
            || !IsKeepAliveOwner(target.Property.ContainingType, symbols)
            || !assignment.Value.IsDisablingTimeSpan(symbols))
        {
            return;
        }

        Report(context.ReportDiagnostic, assignment.Value.Syntax.GetLocation(), KindDisabledValue, symbols, hasInterval: false,
            "Keep-alive is switched off: a peer that vanishes without a Close frame leaves this socket waiting forever");
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name != "CreateFromStream" || !SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.WebSocket))
        {
            return;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == "keepAliveInterval" && argument.ArgumentKind == ArgumentKind.Explicit && argument.Value.IsDisablingTimeSpan(symbols))
            {
                Report(context.ReportDiagnostic, argument.Value.Syntax.GetLocation(), KindDisabledValue, symbols, hasInterval: false,
                    "Keep-alive is switched off: a peer that vanishes without a Close frame leaves this socket waiting forever");
            }
        }
    }

    private static bool IsKeepAliveOwner(INamedTypeSymbol? type, WebSocketSymbols symbols)
    {
        return type is not null
            && (SymbolEqualityComparer.Default.Equals(type, symbols.ClientWebSocketOptions)
                || SymbolEqualityComparer.Default.Equals(type, symbols.WebSocketCreationOptions)
                || SymbolEqualityComparer.Default.Equals(type, symbols.AspNetWebSocketOptions)
                || SymbolEqualityComparer.Default.Equals(type, symbols.AspNetWebSocketAcceptContext));
    }

    // Case 2 and 3: a client socket or creation options made and used in one method with no timeout
    // (case 2 for a private field made in one member and connected in another: SocketFieldsOfType).
    private static void AnalyzeCreation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (SymbolEqualityComparer.Default.Equals(creation.Type, symbols.ClientWebSocket))
        {
            AnalyzeClientSocketCreation(context, creation, symbols);
        }
        else if (SymbolEqualityComparer.Default.Equals(creation.Type, symbols.WebSocketCreationOptions) && symbols.FrameworkHasKeepAliveTimeout)
        {
            AnalyzeCreationOptions(context, creation, symbols);
        }
    }

    private static void AnalyzeClientSocketCreation(OperationAnalysisContext context, IObjectCreationOperation creation, WebSocketSymbols symbols)
    {
        var socket = GetAssignedSymbol(creation);
        if (socket is null)
        {
            return;
        }

        var root = creation.GetRoot();
        var creationEnd = creation.Syntax.Span.End;
        IInvocationOperation? connect = null;
        foreach (var operation in root.Descendants())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "ConnectAsync" } invocation
                && invocation.Syntax.SpanStart >= creationEnd
                && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.ClientWebSocket)
                && SymbolEqualityComparer.Default.Equals(invocation.Instance.GetReferencedSymbol(), socket)
                && (connect is null || invocation.Syntax.SpanStart < connect.Syntax.SpanStart))
            {
                connect = invocation;
            }
        }

        if (connect is null)
        {
            return;
        }

        var hasInterval = false;
        foreach (var operation in root.Descendants())
        {
            if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment
                && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.ClientWebSocketOptions)
                && ConfiguresSocket(property, creation, socket))
            {
                var disabling = assignment.Value.IsDisablingTimeSpan(symbols);
                if (property.Property.Name == "KeepAliveInterval")
                {
                    if (disabling)
                    {
                        return; // case 1 already reports this socket
                    }

                    hasInterval = true;
                }
                else if (property.Property.Name == "KeepAliveTimeout" && !disabling)
                {
                    return;
                }
            }

            if (operation.Syntax.SpanStart >= creationEnd
                && operation.Syntax.SpanStart < connect.Syntax.SpanStart
                && EscapesBeforeConnect(operation, socket))
            {
                return;
            }
        }

        var message = symbols.FrameworkHasKeepAliveTimeout
            ? $"'{socket.Name}' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"
            : $"'{socket.Name}' connects with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat";
        Report(context.ReportDiagnostic, creation.Syntax.GetLocation(), KindClientSocket, symbols, hasInterval, message);
    }

    private static void AnalyzeCreationOptions(OperationAnalysisContext context, IObjectCreationOperation creation, WebSocketSymbols symbols)
    {
        var target = GetAssignedSymbol(creation);
        var root = creation.GetRoot();
        var hasInterval = false;
        foreach (var operation in root.Descendants())
        {
            if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment
                && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.WebSocketCreationOptions)
                && (IsWithin(assignment, creation) || (target is not null && SymbolEqualityComparer.Default.Equals(property.Instance.GetReferencedSymbol(), target))))
            {
                var disabling = assignment.Value.IsDisablingTimeSpan(symbols);
                if (property.Property.Name == "KeepAliveTimeout" && !disabling)
                {
                    return;
                }

                if (property.Property.Name == "KeepAliveInterval")
                {
                    if (disabling)
                    {
                        return;
                    }

                    hasInterval = true;
                }
            }
        }

        if (target is not null && !(target is ILocalSymbol))
        {
            return; // a field or property may be completed elsewhere
        }

        if (target is not null && IsHandedToRuntimeKeepAlive(root, target, symbols))
        {
            return;
        }

        if (target is null && creation.WalkUpConversions(out _) is not IArgumentOperation)
        {
            return;
        }

        Report(context.ReportDiagnostic, creation.Syntax.GetLocation(), KindCreationOptions, symbols, hasInterval,
            "WebSocketCreationOptions without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed");
    }

    // KeepAlive.Configure(options) sets both interval and timeout.
    private static bool IsHandedToRuntimeKeepAlive(IOperation root, ISymbol options, WebSocketSymbols symbols)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is IInvocationOperation invocation && symbols.IsRuntimeKeepAliveConfiguration(invocation.TargetMethod))
            {
                foreach (var argument in invocation.Arguments)
                {
                    if (SymbolEqualityComparer.Default.Equals(argument.Value.WalkDownConversions().GetReferencedSymbol(), options))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    // UseWebSockets: judged per type, since AddWebSockets or Configure<WebSocketOptions> elsewhere in it may set the timeout.
    private static void AnalyzeServerType(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
    {
        var useCalls = new ConcurrentBag<IInvocationOperation>();
        var configured = 0;

        context.RegisterOperationAction(c =>
        {
            var invocation = (IInvocationOperation)c.Operation;
            var method = invocation.TargetMethod;
            if (method.Name == "UseWebSockets" && SymbolEqualityComparer.Default.Equals(method.ContainingType, symbols.AspNetWebSocketMiddlewareExtensions))
            {
                if (UseWebSocketsOptionsAreVisible(invocation))
                {
                    useCalls.Add(invocation);
                }
                else
                {
                    System.Threading.Interlocked.Exchange(ref configured, 1);
                }
            }
            else if (IsConfigureFromConfiguration(invocation, symbols) || symbols.IsRuntimeAccept(method) || symbols.IsRuntimeKeepAliveConfiguration(method))
            {
                // The runtime's accept sets its own keep-alive interval and timeout; ConfigureKeepAlive sets both on the options.
                System.Threading.Interlocked.Exchange(ref configured, 1);
            }
        }, OperationKind.Invocation);

        context.RegisterOperationAction(c =>
        {
            var assignment = (ISimpleAssignmentOperation)c.Operation;
            if (assignment.Target is IPropertyReferenceOperation property
                && property.Property.Name == "KeepAliveTimeout"
                && (SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.AspNetWebSocketOptions)
                    || SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.AspNetWebSocketAcceptContext))
                && !assignment.Value.IsDisablingTimeSpan(symbols))
            {
                System.Threading.Interlocked.Exchange(ref configured, 1);
            }
            else if (assignment.Target is IPropertyReferenceOperation { Property.Name: "KeepAliveInterval" } interval
                     && SymbolEqualityComparer.Default.Equals(interval.Property.ContainingType, symbols.AspNetWebSocketOptions)
                     && assignment.Value.IsDisablingTimeSpan(symbols))
            {
                System.Threading.Interlocked.Exchange(ref configured, 1); // case 1 reports it
            }
        }, OperationKind.SimpleAssignment);

        context.RegisterSymbolEndAction(c =>
        {
            // MapWebSocket or AddWebSocketGuard is often in an extension class of its own; it still configures the app's sockets.
            if (System.Threading.Volatile.Read(ref configured) != 0 || useCalls.IsEmpty || RuntimeSyntaxFacts.UsesRuntimeAccept(c.Compilation, symbols))
            {
                return;
            }

            var hasTimeout = symbols.AspNetOptionsKeepAliveTimeout is not null;
            foreach (var call in useCalls)
            {
                var message = hasTimeout
                    ? "UseWebSockets without a KeepAliveTimeout: server sockets whose client vanished without a Close frame are never cleaned up"
                    : "UseWebSockets with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat";
                Report(c.ReportDiagnostic, call.Syntax.GetLocation(), KindUseWebSockets, symbols, hasInterval: HasIntervalInArgument(call), message, hasTimeout);
            }
        });
    }

    private static bool UseWebSocketsOptionsAreVisible(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == 1 && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                var value = argument.Value.WalkDownConversions();
                return value is IObjectCreationOperation || value is ILocalReferenceOperation;
            }
        }

        return true;
    }

    private static bool HasIntervalInArgument(IInvocationOperation invocation)
    {
        foreach (var descendant in invocation.Descendants())
        {
            if (descendant is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "KeepAliveInterval" } })
            {
                return true;
            }
        }

        return false;
    }

    // services.Configure<WebSocketOptions>(configuration.GetSection(...)) may set anything: trust it.
    private static bool IsConfigureFromConfiguration(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (method.Name is not ("Configure" or "Bind") || method.TypeArguments.Length != 1
            || !SymbolEqualityComparer.Default.Equals(method.TypeArguments[0], symbols.AspNetWebSocketOptions))
        {
            return false;
        }

        foreach (var parameter in method.Parameters)
        {
            if (parameter.Type.Name == "IConfiguration")
            {
                return true;
            }
        }

        return false;
    }

    private static ISymbol? GetAssignedSymbol(IObjectCreationOperation creation)
    {
        var parent = creation.WalkUpConversions(out var value);
        return parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation assignment when assignment.Value == value => assignment.Target.GetReferencedSymbol(),
            _ => null,
        };
    }

    // True when the options property belongs to this socket: in its initializer or through socket.Options.
    private static bool ConfiguresSocket(IPropertyReferenceOperation property, IObjectCreationOperation creation, ISymbol socket)
    {
        if (IsWithin(property, creation))
        {
            return true;
        }

        return property.Instance?.WalkDownConversions() is IPropertyReferenceOperation { Property.Name: "Options" } options
            && SymbolEqualityComparer.Default.Equals(options.Instance.GetReferencedSymbol(), socket);
    }

    private static bool IsWithin(IOperation operation, IOperation container)
        => operation.Syntax.SyntaxTree == container.Syntax.SyntaxTree && container.Syntax.Span.Contains(operation.Syntax.Span);

    // A socket (or its Options) handed to other code before ConnectAsync may be configured there: stay silent.
    private static bool EscapesBeforeConnect(IOperation operation, ISymbol socket)
    {
        if (operation is IInvocationOperation call
            && socket is not ILocalSymbol
            && call.Instance is null or IInstanceReferenceOperation
            && !call.TargetMethod.IsStatic
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, socket.ContainingType))
        {
            return true; // a helper on this type may configure the field
        }

        if (!SymbolEqualityComparer.Default.Equals(operation.GetReferencedSymbol(), socket)
            || operation is IConversionOperation or IParenthesizedOperation)
        {
            return false;
        }

        var consumer = operation.WalkUpConversions(out var value);
        switch (consumer)
        {
            case IInvocationOperation invocation when invocation.Instance == value:
                return false;
            case ISimpleAssignmentOperation assignment when assignment.Target == value:
                return false;
            case IPropertyReferenceOperation { Property.Name: "Options" } options:
                var optionsConsumer = options.WalkUpConversions(out var optionsValue);
                return optionsConsumer is not (IPropertyReferenceOperation or IInvocationOperation { Instance: not null })
                    && !(optionsConsumer is ISimpleAssignmentOperation a && a.Target == optionsValue);
            case IMemberReferenceOperation:
                return false;
            default:
                return true;
        }
    }

    private static void Report(
        System.Action<Diagnostic> report,
        Location location,
        string kind,
        WebSocketSymbols symbols,
        bool hasInterval,
        string message,
        bool? hasTimeout = null)
    {
        var timeout = hasTimeout ?? symbols.FrameworkHasKeepAliveTimeout;
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(KindProperty, kind)
            .Add(HasTimeoutProperty, timeout ? "true" : "false")
            .Add(HasRuntimeProperty, symbols.HasRuntime ? "true" : "false")
            .Add(HasIntervalProperty, hasInterval ? "true" : "false");

        // Without KeepAliveTimeout in the framework the missing-timeout shapes can only be advice.
        var severity = kind != KindDisabledValue && !timeout ? DiagnosticSeverity.Info : Rule.DefaultSeverity;
        report(Diagnostic.Create(Rule, location, severity, additionalLocations: null, properties, message));
    }
    /// <summary>
    /// Case 2 across members: a private field or auto-property made once (constructor or initializer) and connected in
    /// another member of the type, with no <c>KeepAliveTimeout</c> set anywhere in the type. Every use of the field is
    /// seen, so the rule stays silent when the socket or its options are handed to other code, or made more than once.
    /// </summary>
    private sealed class SocketFieldsOfType
    {
        private readonly WebSocketSymbols _symbols;
        private readonly ConcurrentDictionary<ISymbol, FieldUse> _uses = new(SymbolEqualityComparer.Default);

        private SocketFieldsOfType(WebSocketSymbols symbols, IEnumerable<ISymbol> fields)
        {
            _symbols = symbols;
            foreach (var field in fields)
            {
                _uses[field] = new FieldUse();
            }
        }

        public static void Start(SymbolStartAnalysisContext context, WebSocketSymbols symbols)
        {
            var fields = ((INamedTypeSymbol)context.Symbol).GetMembers().Where(m => IsPrivateSocketStorage(m, symbols)).ToArray();
            if (fields.Length == 0)
            {
                return;
            }

            var state = new SocketFieldsOfType(symbols, fields);
            context.RegisterOperationAction(state.OnReference, OperationKind.FieldReference, OperationKind.PropertyReference);
            context.RegisterOperationAction(state.OnInitializer, OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
            context.RegisterSymbolEndAction(state.OnTypeEnd);
        }

        private static bool IsPrivateSocketStorage(ISymbol member, WebSocketSymbols symbols) => member switch
        {
            IFieldSymbol { DeclaredAccessibility: Accessibility.Private, IsImplicitlyDeclared: false } field
                => SymbolEqualityComparer.Default.Equals(field.Type, symbols.ClientWebSocket),
            IPropertySymbol { DeclaredAccessibility: Accessibility.Private, IsIndexer: false } property
                => SymbolEqualityComparer.Default.Equals(property.Type, symbols.ClientWebSocket)
                   && property.IsAutoProperty(),
            _ => false,
        };

        private void OnInitializer(OperationAnalysisContext context)
        {
            var (targets, value) = context.Operation switch
            {
                IFieldInitializerOperation field => (field.InitializedFields.CastArray<ISymbol>(), field.Value),
                IPropertyInitializerOperation property => (property.InitializedProperties.CastArray<ISymbol>(), property.Value),
                _ => (ImmutableArray<ISymbol>.Empty, null),
            };

            foreach (var target in targets)
            {
                if (_uses.TryGetValue(target, out var use))
                {
                    use.AddWrite(value?.WalkDownConversions() as IObjectCreationOperation);
                }
            }
        }

        private void OnReference(OperationAnalysisContext context)
        {
            var reference = (IMemberReferenceOperation)context.Operation;
            if (!_uses.TryGetValue(reference.Member.OriginalDefinition, out var use))
            {
                return;
            }

            var consumer = reference.WalkUpConversions(out var value);
            switch (consumer)
            {
                case ISimpleAssignmentOperation assignment when assignment.Target == value:
                    use.AddWrite(assignment.Value.WalkDownConversions() is IObjectCreationOperation creation && SymbolEqualityComparer.Default.Equals(creation.Type, _symbols.ClientWebSocket) ? creation : null);
                    break;
                case IInvocationOperation invocation when invocation.Instance == value:
                    if (invocation.IsClientConnect(_symbols))
                    {
                        use.AddConnect(invocation.GetRoot());
                    }

                    break;
                case IPropertyReferenceOperation { Property.Name: "Options" } options:
                    OnOptionsUse(options, use);
                    break;
                case IMemberReferenceOperation:
                    break;
                default:
                    use.Escape();
                    break;
            }
        }

        private void OnOptionsUse(IPropertyReferenceOperation options, FieldUse use)
        {
            var consumer = options.WalkUpConversions(out var optionsValue);
            if (consumer is IPropertyReferenceOperation setting && consumer.Parent is ISimpleAssignmentOperation assignment && assignment.Target == setting)
            {
                use.Configure(setting.Property.Name, assignment.Value.IsDisablingTimeSpan(_symbols));
            }
            else if (consumer is not (IPropertyReferenceOperation or IInvocationOperation { Instance: not null }) || consumer is IInvocationOperation { Instance: var instance } && instance != optionsValue)
            {
                use.Escape(); // handed to a helper such as KeepAlive.Configure(_socket.Options)
            }
        }

        private void OnTypeEnd(SymbolAnalysisContext context)
        {
            foreach (var pair in _uses)
            {
                var use = pair.Value;
                if (use.Creation is not { } creation || use.Escaped || use.WriteCount != 1 || use.TimeoutSet || use.IntervalDisabled)
                {
                    continue;
                }

                var creationRoot = creation.GetRoot();
                var connects = use.ConnectRoots;
                if (connects.Count == 0 || connects.Any(root => root == creationRoot))
                {
                    continue; // not connected, or connected where it is made: case 2 judges that one
                }

                var hasInterval = use.IntervalSet;
                if (InitializerSettles(creation, ref hasInterval))
                {
                    continue;
                }

                var message = _symbols.FrameworkHasKeepAliveTimeout
                    ? $"'{pair.Key.Name}' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"
                    : $"'{pair.Key.Name}' connects with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat";
                Report(context.ReportDiagnostic, creation.Syntax.GetLocation(), KindClientSocket, _symbols, hasInterval, message);
            }
        }

        // 'new ClientWebSocket { Options = { KeepAliveTimeout = ... } }': configured (or, with the interval off, case 1's).
        private bool InitializerSettles(IObjectCreationOperation creation, ref bool hasInterval)
        {
            foreach (var operation in creation.Descendants())
            {
                if (operation is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment
                    && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _symbols.ClientWebSocketOptions))
                {
                    var disabling = assignment.Value.IsDisablingTimeSpan(_symbols);
                    if ((property.Property.Name == "KeepAliveTimeout" && !disabling) || (property.Property.Name == "KeepAliveInterval" && disabling))
                    {
                        return true;
                    }

                    hasInterval |= property.Property.Name == "KeepAliveInterval";
                }
            }

            return false;
        }

        private sealed class FieldUse
        {
            private readonly object _gate = new();
            private readonly List<IOperation> _connectRoots = new();
            private int _writes;
            private bool _escaped;
            private bool _timeoutSet;
            private bool _intervalSet;
            private bool _intervalDisabled;

            public IObjectCreationOperation? Creation { get; private set; }

            public int WriteCount { get { lock (_gate) { return _writes; } } }

            public bool Escaped { get { lock (_gate) { return _escaped; } } }

            public bool TimeoutSet { get { lock (_gate) { return _timeoutSet; } } }

            public bool IntervalSet { get { lock (_gate) { return _intervalSet; } } }

            public bool IntervalDisabled { get { lock (_gate) { return _intervalDisabled; } } }

            public IReadOnlyList<IOperation> ConnectRoots { get { lock (_gate) { return _connectRoots.ToArray(); } } }

            // A write of anything but 'new ClientWebSocket(...)' (a factory, a parameter) may bring its own configuration.
            public void AddWrite(IObjectCreationOperation? creation)
            {
                lock (_gate)
                {
                    _writes++;
                    if (creation is null)
                    {
                        _escaped = true;
                    }
                    else
                    {
                        Creation = creation;
                    }
                }
            }

            public void AddConnect(IOperation root)
            {
                lock (_gate)
                {
                    _connectRoots.Add(root);
                }
            }

            public void Configure(string setting, bool disabling)
            {
                lock (_gate)
                {
                    if (setting == "KeepAliveTimeout")
                    {
                        _timeoutSet |= !disabling;
                    }
                    else if (setting == "KeepAliveInterval")
                    {
                        _intervalDisabled |= disabling;
                        _intervalSet |= !disabling;
                    }
                }
            }

            public void Escape()
            {
                lock (_gate)
                {
                    _escaped = true;
                }
            }
        }
    }
}
