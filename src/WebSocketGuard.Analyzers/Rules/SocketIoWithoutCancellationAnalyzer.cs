using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// WSG1010: socket I/O given <c>CancellationToken.None</c>, <c>default</c> or no token while a token is really
/// available at the call (a parameter of the enclosing function or one it captures, <c>HttpContext.RequestAborted</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SocketIoWithoutCancellationAnalyzer : WebSocketAnalyzer
{
    /// <summary>Diagnostic property: C# text of the token to pass.</summary>
    public const string TokenProperty = "Token";

    /// <summary>Diagnostic property: name of the method's token parameter, for a call that omits the argument.</summary>
    public const string ParameterNameProperty = "ParameterName";

    /// <summary>Diagnostic property: "true" for CloseAsync/CloseOutputAsync, which also get a timeout-token fix.</summary>
    public const string IsCloseProperty = "IsClose";

    /// <summary>Diagnostic property: "true" when the token argument is omitted (the diagnostic is on the argument list).</summary>
    public const string IsOmittedProperty = "IsOmitted";

    internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptorHelper.Create(
        RuleIds.SocketIoWithoutCancellation,
        title: "Socket I/O without a cancellation token",
        messageFormat: "'{0}' gets no cancellation token although '{1}' is in scope: on a dead peer it can wait forever",
        category: RuleCategories.Reliability,
        defaultSeverity: DiagnosticSeverity.Info,
        description: "ReceiveAsync, SendAsync, CloseAsync, CloseOutputAsync and ConnectAsync wait on the network. Given CancellationToken.None or default they can only end when the peer answers, so a dead or stalled peer keeps the call (and the request, the connection and its buffers) alive. Pass the token that is in scope; for a close, a short timeout token.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    private protected override void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols)
    {
        if (symbols.WebSocket is null || symbols.CancellationToken is null)
        {
            return;
        }

        context.RegisterOperationAction(c => AnalyzeInvocation(c, symbols), OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WebSocketSymbols symbols)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (!IsSocketIo(method.Name) || !symbols.IsWebSocket(method.ContainingType))
        {
            return;
        }

        var tokenArgument = FindTokenArgument(invocation, symbols);
        if (tokenArgument is null || !PassesNoToken(tokenArgument, symbols))
        {
            return;
        }

        var isClose = method.Name is "CloseAsync" or "CloseOutputAsync";

        // In catch/finally the token in scope has usually just been cancelled: passing it would make
        // the call throw at once, so None there is deliberate (a goodbye message, a close).
        if (IoRuleHelpers.IsInCatchOrFinally(invocation))
        {
            return;
        }

        var token = IoRuleHelpers.FindTokenInScope(invocation, context.ContainingSymbol, symbols);
        if (token is null)
        {
            return;
        }

        // After a loop that runs until the token is cancelled, the token is likely cancelled too:
        // only a close (with its timeout fix) is still worth reporting there.
        if (!isClose && FollowsLoopEndedByToken(invocation, token.Value.Source))
        {
            return;
        }

        var omitted = tokenArgument.ArgumentKind == ArgumentKind.DefaultValue;
        var location = omitted
            ? ArgumentListLocation(invocation)
            : tokenArgument.Value.Syntax.GetLocation();
        if (location is null)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(TokenProperty, token.Value.Expression)
            .Add(ParameterNameProperty, tokenArgument.Parameter?.Name)
            .Add(IsCloseProperty, isClose ? "true" : "false")
            .Add(IsOmittedProperty, omitted ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(Rule, location, properties, method.Name, token.Value.Expression));
    }

    private static bool FollowsLoopEndedByToken(IOperation invocation, ISymbol token)
    {
        var start = invocation.Syntax.SpanStart;
        for (var current = invocation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                break;
            }

            if (current is not IBlockOperation block)
            {
                continue;
            }

            foreach (var statement in block.Operations)
            {
                if (statement.Syntax.Span.End <= start
                    && statement is IWhileLoopOperation { Condition: { } condition }
                    && ReadsIsCancellationRequested(condition, token))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool ReadsIsCancellationRequested(IOperation condition, ISymbol token)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            if (operation is IPropertyReferenceOperation { Property.Name: "IsCancellationRequested", Instance: { } instance })
            {
                var source = instance.WalkDownConversions();
                if (SymbolEqualityComparer.Default.Equals(source.GetReferencedSymbol(), token)
                    || (source is IPropertyReferenceOperation { Property.Name: IoRuleHelpers.RequestAborted } aborted
                        && SymbolEqualityComparer.Default.Equals(aborted.Instance.GetReferencedSymbol(), token)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsSocketIo(string name)
        => name is "ReceiveAsync" or "SendAsync" or "CloseAsync" or "CloseOutputAsync" or "ConnectAsync";

    private static IArgumentOperation? FindTokenArgument(IInvocationOperation invocation, WebSocketSymbols symbols)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.CancellationToken))
            {
                return argument;
            }
        }

        return null;
    }

    /// <summary>True for an omitted token, <c>default</c>, <c>CancellationToken.None</c> or <c>new CancellationToken()</c>/<c>(false)</c>.</summary>
    private static bool PassesNoToken(IArgumentOperation argument, WebSocketSymbols symbols)
    {
        if (argument.ArgumentKind == ArgumentKind.DefaultValue)
        {
            return true;
        }

        var value = argument.Value.WalkDownConversions();
        switch (value)
        {
            case IDefaultValueOperation:
                return true;
            case IPropertyReferenceOperation { Property.Name: "None", Property.IsStatic: true } none:
                return SymbolEqualityComparer.Default.Equals(none.Property.ContainingType, symbols.CancellationToken);
            case IObjectCreationOperation creation when SymbolEqualityComparer.Default.Equals(creation.Type, symbols.CancellationToken):
                return creation.Arguments.IsEmpty
                    || (creation.Arguments.Length == 1 && creation.Arguments[0].Value.ConstantValue is { HasValue: true, Value: false });
            default:
                return false;
        }
    }

    private static Location? ArgumentListLocation(IInvocationOperation invocation)
        => invocation.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax syntax
            ? syntax.ArgumentList.GetLocation()
            : null;
}
