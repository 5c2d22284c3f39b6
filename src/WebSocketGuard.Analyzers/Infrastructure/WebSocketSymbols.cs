using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// The WebSocket-related symbols of one compilation, resolved once and shared by every analyzer.
/// Any of them may be null: a project need not reference ASP.NET Core, the runtime library, and so on.
/// </summary>
internal sealed partial class WebSocketSymbols
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, INamedTypeSymbol?> _types = new();

    private static readonly ConditionalWeakTable<Compilation, WebSocketSymbols> Cache = new();
    private static readonly ConditionalWeakTable<Compilation, WebSocketSymbols>.CreateValueCallback Factory = c => new WebSocketSymbols(c);

    private WebSocketSymbols(Compilation compilation)
    {
        Compilation = compilation;
        INamedTypeSymbol? Get(string name) => compilation.GetTypeByMetadataName(name);

        // System.Net.WebSockets
        WebSocket = Get("System.Net.WebSockets.WebSocket");
        ClientWebSocket = Get("System.Net.WebSockets.ClientWebSocket");
        ClientWebSocketOptions = Get("System.Net.WebSockets.ClientWebSocketOptions");
        WebSocketCreationOptions = Get("System.Net.WebSockets.WebSocketCreationOptions");
        WebSocketReceiveResult = Get("System.Net.WebSockets.WebSocketReceiveResult");
        ValueWebSocketReceiveResult = Get("System.Net.WebSockets.ValueWebSocketReceiveResult");
        WebSocketMessageType = Get("System.Net.WebSockets.WebSocketMessageType");
        WebSocketCloseStatus = Get("System.Net.WebSockets.WebSocketCloseStatus");
        WebSocketState = Get("System.Net.WebSockets.WebSocketState");
        WebSocketException = Get("System.Net.WebSockets.WebSocketException");
        WebSocketContext = Get("System.Net.WebSockets.WebSocketContext");
        HttpListenerContext = Get("System.Net.HttpListenerContext");

        // ASP.NET Core
        AspNetWebSocketManager = Get("Microsoft.AspNetCore.Http.WebSocketManager");
        AspNetWebSocketOptions = Get("Microsoft.AspNetCore.Builder.WebSocketOptions");
        AspNetWebSocketAcceptContext = Get("Microsoft.AspNetCore.Http.WebSocketAcceptContext");
        AspNetWebSocketMiddlewareExtensions = Get("Microsoft.AspNetCore.Builder.WebSocketMiddlewareExtensions");
        AspNetWebSocketsServiceExtensions = Get("Microsoft.AspNetCore.WebSockets.WebSocketsDependencyInjectionExtensions");
        OptionsServiceCollectionExtensions = Get("Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions");
        HttpContext = Get("Microsoft.AspNetCore.Http.HttpContext");

        // BCL helpers the rules compare against
        Uri = Get("System.Uri");
        UriBuilder = Get("System.UriBuilder");
        TimeSpan = Get("System.TimeSpan");
        Timeout = Get("System.Threading.Timeout");
        CancellationToken = Get("System.Threading.CancellationToken");
        Task = Get("System.Threading.Tasks.Task");
        ValueTask = Get("System.Threading.Tasks.ValueTask");

        // Our runtime: fixes call it when the project references it.
        RuntimeKeepAlive = Get("WebSocketGuard.KeepAlive");

        ClientOptionsKeepAliveTimeout = FindProperty(ClientWebSocketOptions, "KeepAliveTimeout");
        CreationOptionsKeepAliveTimeout = FindProperty(WebSocketCreationOptions, "KeepAliveTimeout");
        AspNetOptionsKeepAliveTimeout = FindProperty(AspNetWebSocketOptions, "KeepAliveTimeout");
        AcceptContextKeepAliveTimeout = FindProperty(AspNetWebSocketAcceptContext, "KeepAliveTimeout");
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol? WebSocket { get; }
    public INamedTypeSymbol? ClientWebSocket { get; }
    public INamedTypeSymbol? ClientWebSocketOptions { get; }
    public INamedTypeSymbol? WebSocketCreationOptions { get; }
    public INamedTypeSymbol? WebSocketReceiveResult { get; }
    public INamedTypeSymbol? ValueWebSocketReceiveResult { get; }
    public INamedTypeSymbol? WebSocketMessageType { get; }
    public INamedTypeSymbol? WebSocketCloseStatus { get; }
    public INamedTypeSymbol? WebSocketState { get; }
    public INamedTypeSymbol? WebSocketException { get; }
    public INamedTypeSymbol? WebSocketContext { get; }
    public INamedTypeSymbol? HttpListenerContext { get; }

    public INamedTypeSymbol? AspNetWebSocketManager { get; }
    public INamedTypeSymbol? AspNetWebSocketOptions { get; }
    public INamedTypeSymbol? AspNetWebSocketAcceptContext { get; }
    public INamedTypeSymbol? AspNetWebSocketMiddlewareExtensions { get; }
    public INamedTypeSymbol? AspNetWebSocketsServiceExtensions { get; }
    public INamedTypeSymbol? OptionsServiceCollectionExtensions { get; }
    public INamedTypeSymbol? HttpContext { get; }

    public INamedTypeSymbol? Uri { get; }
    public INamedTypeSymbol? UriBuilder { get; }
    public INamedTypeSymbol? TimeSpan { get; }
    public INamedTypeSymbol? Timeout { get; }
    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? RuntimeKeepAlive { get; }

    public IPropertySymbol? ClientOptionsKeepAliveTimeout { get; }
    public IPropertySymbol? CreationOptionsKeepAliveTimeout { get; }
    public IPropertySymbol? AspNetOptionsKeepAliveTimeout { get; }
    public IPropertySymbol? AcceptContextKeepAliveTimeout { get; }

    /// <summary>True when the framework can time out a silent peer by itself (.NET 9 added <c>KeepAliveTimeout</c>).</summary>
    public bool FrameworkHasKeepAliveTimeout => ClientOptionsKeepAliveTimeout is not null;

    /// <summary>True when the project references the WebSocketGuard runtime, so fixes may call it.</summary>
    public bool HasRuntime => RuntimeKeepAlive is not null;

    /// <summary>
    /// Gets the symbols for a compilation, or null when it has no WebSocket types at all,
    /// in which case analyzers register nothing.
    /// </summary>
    public static WebSocketSymbols? TryGet(Compilation compilation)
    {
        var symbols = Cache.GetValue(compilation, Factory);
        return symbols.WebSocket is null && symbols.AspNetWebSocketManager is null ? null : symbols;
    }

    /// <summary>
    /// Any other type by metadata name, looked up once per compilation. Rule areas declare named
    /// properties over this in their own partial files (<c>WebSocketSymbols.Server.cs</c>, ...).
    /// </summary>
    public INamedTypeSymbol? Type(string metadataName) => _types.GetOrAdd(metadataName, Compilation.GetTypeByMetadataName);

    /// <summary>True when <paramref name="type"/> is <paramref name="baseType"/> or derives from it.</summary>
    public static bool IsOrDerivesFrom(ITypeSymbol? type, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for any WebSocket: the abstract base, <c>ClientWebSocket</c>, or a user subclass.</summary>
    public bool IsWebSocket(ITypeSymbol? type) => IsOrDerivesFrom(type, WebSocket);

    private static IPropertySymbol? FindProperty(INamedTypeSymbol? type, string name)
    {
        if (type is null)
        {
            return null;
        }

        foreach (var member in type.GetMembers(name))
        {
            if (member is IPropertySymbol property)
            {
                return property;
            }
        }

        return null;
    }
}
