using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>Our own runtime (WebSocketGuard, WebSocketGuard.AspNetCore), by metadata name: the analyzers never reference it.</summary>
internal sealed partial class WebSocketSymbols
{
    public INamedTypeSymbol? RuntimeWebSocketAccept => Type("WebSocketGuard.AspNetCore.WebSocketAccept");
    public INamedTypeSymbol? RuntimeEndpointRouteBuilderExtensions => Type("WebSocketGuard.AspNetCore.WebSocketEndpointRouteBuilderExtensions");
    public INamedTypeSymbol? RuntimeServiceCollectionExtensions => Type("WebSocketGuard.AspNetCore.WebSocketGuardServiceCollectionExtensions");
    public INamedTypeSymbol? RuntimeWebSocketOptionsExtensions => Type("WebSocketGuard.AspNetCore.WebSocketOptionsExtensions");

    /// <summary>True when the project references WebSocketGuard.AspNetCore, whose accept checks Origin, user and keep-alive itself.</summary>
    public bool HasAspNetRuntime => RuntimeWebSocketAccept is not null;

    /// <summary>
    /// <c>MapWebSocket</c>, <c>WebSocketAccept.AcceptAsync</c> or <c>AddWebSocketGuard</c>: the runtime's accept path, which refuses
    /// origins outside its allow-list (empty by default), requires an authenticated user unless <c>AllowAnonymous</c>, and
    /// sets <c>KeepAliveInterval</c> and <c>KeepAliveTimeout</c> on every socket.
    /// </summary>
    public bool IsRuntimeAccept(IMethodSymbol? method)
    {
        if (method is null || !HasAspNetRuntime)
        {
            return false;
        }

        var type = method.ContainingType?.OriginalDefinition;
        return (method.Name == "AcceptAsync" && SymbolEqualityComparer.Default.Equals(type, RuntimeWebSocketAccept))
            || (method.Name == "MapWebSocket" && SymbolEqualityComparer.Default.Equals(type, RuntimeEndpointRouteBuilderExtensions))
            || (method.Name == "AddWebSocketGuard" && SymbolEqualityComparer.Default.Equals(type, RuntimeServiceCollectionExtensions));
    }

    /// <summary><c>KeepAlive.Configure(options, ...)</c> or <c>webSocketOptions.ConfigureKeepAlive(...)</c>: interval and timeout both set.</summary>
    public bool IsRuntimeKeepAliveConfiguration(IMethodSymbol? method)
    {
        var type = method?.ContainingType?.OriginalDefinition;
        return type is not null
            && ((method!.Name == "Configure" && SymbolEqualityComparer.Default.Equals(type, RuntimeKeepAlive))
                || (method.Name == "ConfigureKeepAlive" && SymbolEqualityComparer.Default.Equals(type, RuntimeWebSocketOptionsExtensions)));
    }
}
