using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace WebSocketGuard.AspNetCore;

/// <summary>
/// An accepted WebSocket with everything a handler needs: the socket, its one reader, its one writer, the user, the
/// request-aborted token and an id. Created by <see cref="WebSocketEndpointRouteBuilderExtensions.MapWebSocket"/> or
/// <see cref="WebSocketAccept.AcceptAsync"/>, and registered in the <see cref="WebSocketConnectionRegistry"/> until disposed.
/// </summary>
/// <remarks>
/// <para>Read only through <see cref="Reader"/> and write only through <see cref="Sender"/>: the socket allows one
/// receive and one send at a time, and the sender is what keeps a slow client from growing memory.</para>
/// <para>The connection lives as long as the request: the code that accepted must await its work before returning
/// (ASP.NET Core tears the connection down when the request ends). <see cref="WebSocketEndpointRouteBuilderExtensions.MapWebSocket"/> does this for you.</para>
/// </remarks>
public sealed class WebSocketConnection : IAsyncDisposable
{
    private readonly TimeSpan _closeTimeout;
    private readonly object _closeGate = new();
    private Task<bool>? _closing;
    private int _disposed;

    internal WebSocketConnection(string id, WebSocket socket, HttpContext httpContext, string? userKey, ValidatedOptions options, WebSocketConnectionRegistry registry)
    {
        Id = id;
        Socket = socket;
        HttpContext = httpContext;
        User = httpContext.User;
        UserKey = userKey;
        Aborted = httpContext.RequestAborted;
        Registry = registry;
        _closeTimeout = options.CloseTimeout;
        ConnectedAt = DateTimeOffset.UtcNow;
        Reader = new WebSocketMessageReader(socket, options.MaxMessageSize) { CloseTimeout = options.CloseTimeout };
        Sender = new WebSocketSender(socket, options.Sender);
    }

    /// <summary>A unique id for this connection, for logs and <see cref="WebSocketConnectionRegistry.TryGetConnection"/>.</summary>
    public string Id { get; }

    /// <summary>The accepted socket. Prefer <see cref="Reader"/> and <see cref="Sender"/> to calling it directly.</summary>
    public WebSocket Socket { get; }

    /// <summary>The connection's only reader: whole messages, size-limited (<see cref="WebSocketEndpointOptions.MaxMessageSize"/>), Close returned as a message.</summary>
    public WebSocketMessageReader Reader { get; }

    /// <summary>The connection's only writer: a bounded queue with the overflow policy of <see cref="WebSocketEndpointOptions.Sender"/>.</summary>
    public WebSocketSender Sender { get; }

    /// <summary>The user of the request that opened the connection.</summary>
    public ClaimsPrincipal User { get; }

    /// <summary>The key the per-user limit counted this connection under; <see langword="null"/> for an anonymous user.</summary>
    public string? UserKey { get; }

    /// <summary>Cancelled when the client's connection goes away (the request's <see cref="HttpContext.RequestAborted"/>).</summary>
    public CancellationToken Aborted { get; }

    /// <summary>The request that opened the connection (route values, query, headers); valid while the connection is open.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>When the connection was accepted (UTC).</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>A snapshot of the groups this connection is in.</summary>
    public IReadOnlyCollection<string> Groups
    {
        get
        {
            lock (Registry.Gate)
            {
                return GroupNames.ToArray();
            }
        }
    }

    internal WebSocketConnectionRegistry Registry { get; }

    /// <summary>Guarded by the registry's lock.</summary>
    internal HashSet<string> GroupNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds this connection to <paramref name="group"/> (see <see cref="WebSocketConnectionRegistry.AddToGroup"/>).</summary>
    /// <param name="group">The group name.</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when already a member or no longer open.</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    public bool JoinGroup(string group) => Registry.AddToGroup(this, group);

    /// <summary>Removes this connection from <paramref name="group"/>.</summary>
    /// <param name="group">The group name.</param>
    /// <returns>Whether it was a member.</returns>
    /// <exception cref="ArgumentException"><paramref name="group"/> is null or empty.</exception>
    public bool LeaveGroup(string group) => Registry.RemoveFromGroup(this, group);

    /// <summary>
    /// Ends the connection properly: stops the sender and lets it send what it has queued (bounded by
    /// <see cref="WebSocketSenderOptions.SendTimeout"/>), then runs the close handshake bounded by
    /// <see cref="WebSocketEndpointOptions.CloseTimeout"/> and aborts if the client does not answer. Only the first call
    /// closes; later calls return the first call's task. Call it with no read in progress.
    /// </summary>
    /// <param name="status">The close code; not <see cref="WebSocketCloseStatus.Empty"/>.</param>
    /// <param name="description">An optional reason of at most 123 UTF-8 bytes.</param>
    /// <returns><see langword="true"/> when the handshake completed; <see langword="false"/> when the socket had to be aborted or was already broken.</returns>
    /// <exception cref="ArgumentException">The status or description is invalid.</exception>
    public Task<bool> CloseAsync(WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null)
    {
        GracefulClose.ValidateClose(status, description);
        lock (_closeGate)
        {
            return _closing ??= CloseCoreAsync(status, description);
        }
    }

    private async Task<bool> CloseCoreAsync(WebSocketCloseStatus status, string? description)
    {
        await Task.Yield();
        await Sender.DisposeAsync().ConfigureAwait(false);
        try
        {
            return await GracefulClose.CloseAsync(Socket, status, description, _closeTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            Socket.Abort();
            return false;
        }
    }

    /// <summary>
    /// Closes the connection (as <see cref="CloseAsync"/> with 1000 unless it was closed already), removes it from the
    /// registry and its groups, and releases the reader and the socket. Never throws; safe to call more than once.
    /// </summary>
    /// <returns>A task that completes when the connection is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            Socket.Abort();
        }
        finally
        {
            Registry.Unregister(this);
            Reader.Dispose();
            Socket.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"WebSocketConnection {Id} ({UserKey ?? "anonymous"}, {Socket.State})";
}
