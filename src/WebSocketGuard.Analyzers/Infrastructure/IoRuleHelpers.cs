using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace WebSocketGuard.Analyzers;

/// <summary>A cancellation token a call could use: how to write it, and where it comes from.</summary>
internal readonly struct AvailableToken
{
    public AvailableToken(string expression, ISymbol source)
    {
        Expression = expression;
        Source = source;
    }

    /// <summary>C# text that reads the token at the call: <c>ct</c>, <c>context.RequestAborted</c>.</summary>
    public string Expression { get; }

    /// <summary>The parameter or property the token is read from.</summary>
    public ISymbol Source { get; }
}

/// <summary>Shared by the socket I/O rules (WSG1010, WSG1012, WSG1014).</summary>
internal static class IoRuleHelpers
{
    public const string RequestAborted = "RequestAborted";

    /// <summary>True when <paramref name="method"/> is declared by a WebSocket type (the base class, <c>ClientWebSocket</c>, a subclass).</summary>
    public static bool IsSocketMethod(IMethodSymbol method, WebSocketSymbols symbols, string name)
        => method.Name == name && symbols.IsWebSocket(method.ContainingType);

    /// <summary>The socket a call is made on (<c>socket.ReceiveAsync</c>): local, parameter, or field/property of this type.</summary>
    public static ISymbol? GetSocket(IInvocationOperation invocation) => invocation.Instance.GetReferencedSymbol();

    /// <summary>
    /// The token nearest the operation that it can really use: a <c>CancellationToken</c> parameter of the enclosing
    /// lambda, local function or member (or of an enclosing one it can capture), <c>RequestAborted</c> of an
    /// <c>HttpContext</c> parameter, or of an <c>HttpContext</c> property of the type (controllers, page models).
    /// </summary>
    public static AvailableToken? FindTokenInScope(IOperation operation, ISymbol containingSymbol, WebSocketSymbols symbols)
    {
        if (symbols.CancellationToken is null)
        {
            return null;
        }

        var model = operation.SemanticModel;
        var position = operation.Syntax.SpanStart;
        var capturesOuterScope = true;
        for (var current = operation.Parent; current is not null && capturesOuterScope; current = current.Parent)
        {
            var function = current switch
            {
                IAnonymousFunctionOperation anonymous => anonymous.Symbol,
                ILocalFunctionOperation local => local.Symbol,
                _ => null,
            };

            if (function is null)
            {
                continue;
            }

            var token = FromParameters(function, symbols, model, position);
            if (token is not null)
            {
                return token;
            }

            // A static lambda or local function cannot capture what is outside it.
            capturesOuterScope = !function.IsStatic;
        }

        if (!capturesOuterScope || containingSymbol is not IMethodSymbol member)
        {
            return null;
        }

        return FromParameters(member, symbols, model, position)
            ?? FromHttpContextProperty(member, symbols, model, position);
    }

    private static AvailableToken? FromParameters(IMethodSymbol function, WebSocketSymbols symbols, SemanticModel? model, int position)
    {
        foreach (var parameter in function.Parameters)
        {
            if (IsUsable(parameter) && SymbolEqualityComparer.Default.Equals(parameter.Type, symbols.CancellationToken) && IsVisible(parameter, model, position))
            {
                return new AvailableToken(Escape(parameter.Name), parameter);
            }
        }

        foreach (var parameter in function.Parameters)
        {
            if (IsUsable(parameter)
                && parameter.NullableAnnotation != NullableAnnotation.Annotated
                && WebSocketSymbols.IsOrDerivesFrom(parameter.Type, symbols.HttpContext)
                && IsVisible(parameter, model, position))
            {
                return new AvailableToken(Escape(parameter.Name) + "." + RequestAborted, parameter);
            }
        }

        return null;
    }

    private static bool IsUsable(IParameterSymbol parameter)
        => parameter.RefKind != RefKind.Out && !parameter.IsDiscard && parameter.Name.Length > 0 && parameter.Name != "_";

    // Controllers and page models: an instance HttpContext property is set for the whole request.
    private static AvailableToken? FromHttpContextProperty(IMethodSymbol member, WebSocketSymbols symbols, SemanticModel? model, int position)
    {
        if (symbols.HttpContext is null
            || member.IsStatic
            || member.MethodKind is not (MethodKind.Ordinary or MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.ExplicitInterfaceImplementation)
            || member.ContainingType is not { } type)
        {
            return null;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var candidate in current.GetMembers())
            {
                if (candidate is IPropertySymbol { IsStatic: false, IsIndexer: false, GetMethod: not null } property
                    && property.NullableAnnotation != NullableAnnotation.Annotated
                    && WebSocketSymbols.IsOrDerivesFrom(property.Type, symbols.HttpContext)
                    && model is not null
                    && model.Compilation.IsSymbolAccessibleWithin(property.GetMethod, type)
                    && IsVisible(property, model, position))
                {
                    return new AvailableToken(Escape(property.Name) + "." + RequestAborted, property);
                }
            }
        }

        return null;
    }

    // The simple name must bind to this very symbol at the call (no shadowing by a nearer local or parameter).
    private static bool IsVisible(ISymbol symbol, SemanticModel? model, int position)
    {
        if (model is null)
        {
            return false;
        }

        var found = model.LookupSymbols(position, name: symbol.Name);
        return found.Length == 1 && IsSameDeclaration(found[0], symbol);
    }

    // Lambda symbols are rebound per query, so compare declarations rather than instances.
    private static bool IsSameDeclaration(ISymbol a, ISymbol b)
    {
        if (SymbolEqualityComparer.Default.Equals(a.OriginalDefinition, b.OriginalDefinition))
        {
            return true;
        }

        return a.Kind == b.Kind
            && a.Name == b.Name
            && a.Locations.Length > 0
            && b.Locations.Length > 0
            && a.Locations[0] == b.Locations[0];
    }

    private static string Escape(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>The innermost lambda, local function or member body holding the operation, and that function's symbol.</summary>
    public static IMethodSymbol? GetEnclosingFunction(IOperation operation, ISymbol containingSymbol, out IOperation? body)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case IAnonymousFunctionOperation anonymous:
                    body = anonymous.Body;
                    return anonymous.Symbol;
                case ILocalFunctionOperation local:
                    body = local.Body ?? local.IgnoredBody;
                    return local.Symbol;
            }
        }

        body = operation.GetRoot();
        return containingSymbol as IMethodSymbol;
    }

    /// <summary>True when the operation sits in a <c>catch</c> or <c>finally</c> clause of its own function.</summary>
    public static bool IsInCatchOrFinally(IOperation operation)
        => HasEnclosing(operation, (node, child) => node is ICatchClauseOperation || (node is ITryOperation @try && @try.Finally == child));

    /// <summary>True when the operation sits in a <c>catch</c> clause of its own function.</summary>
    public static bool IsInCatch(IOperation operation) => HasEnclosing(operation, (node, _) => node is ICatchClauseOperation);

    /// <summary>True when the operation is inside a loop of its own function.</summary>
    public static bool IsInLoop(IOperation operation) => HasEnclosing(operation, (node, _) => node is ILoopOperation);

    /// <summary>True when the operation is inside a <c>lock</c> of its own function (where <c>await</c> is not allowed).</summary>
    public static bool IsInLock(IOperation operation) => HasEnclosing(operation, (node, _) => node is ILockOperation);

    // Climbs to the enclosing lambda, local function or member body, testing each ancestor (and the child it was reached from).
    private static bool HasEnclosing(IOperation operation, System.Func<IOperation, IOperation, bool> match)
    {
        var child = operation;
        for (var current = operation.Parent; current is not null; child = current, current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return false;
            }

            if (match(current, child))
            {
                return true;
            }
        }

        return false;
    }
}
