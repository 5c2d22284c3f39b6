using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>
/// A <see cref="WebSocket"/> that forwards to another and aborts it when no receive completes within the idle timeout.
/// Create it with <see cref="KeepAlive.WithIdleTimeout"/>; see there for its limitation on .NET 8.
/// </summary>
public sealed class IdleTimeoutWebSocket : WebSocket
{
    private readonly WebSocket _inner;
    private readonly TimeProvider _timeProvider;
    private readonly ITimer _timer;
    private long _lastActivity;
    private int _timedOut;
    private int _disposed;

    internal IdleTimeoutWebSocket(WebSocket inner, TimeSpan idleTimeout, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (idleTimeout <= TimeSpan.Zero || idleTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(idleTimeout), idleTimeout, "The idle timeout must be positive and finite.");
        }

        _inner = inner;
        _timeProvider = timeProvider;
        IdleTimeout = idleTimeout;
        _lastActivity = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static s => ((IdleTimeoutWebSocket)s!).OnTimer(), this, idleTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The socket being watched.</summary>
    public WebSocket InnerSocket => _inner;

    /// <summary>How long the socket may stay silent before it is aborted.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>Whether the watchdog aborted the socket.</summary>
    public bool TimedOut => Volatile.Read(ref _timedOut) != 0;

    /// <inheritdoc/>
    public override WebSocketCloseStatus? CloseStatus => _inner.CloseStatus;

    /// <inheritdoc/>
    public override string? CloseStatusDescription => _inner.CloseStatusDescription;

    /// <inheritdoc/>
    public override WebSocketState State => _inner.State;

    /// <inheritdoc/>
    public override string? SubProtocol => _inner.SubProtocol;

    private void OnTimer()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        // Receives only stamp the time; the timer re-arms itself for the remainder, so hot reads never touch it.
        var idle = _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastActivity));
        if (idle < IdleTimeout)
        {
            _timer.Change(IdleTimeout - idle, Timeout.InfiniteTimeSpan);
            return;
        }

        if (_inner.State is WebSocketState.Closed or WebSocketState.Aborted)
        {
            return;
        }

        Interlocked.Exchange(ref _timedOut, 1);
        WebSocketGuardMetrics.KeepAliveTimeouts.Add(1);
        _inner.Abort();
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, _timeProvider.GetTimestamp());

    /// <inheritdoc/>
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        Touch();
        return result;
    }

    /// <inheritdoc/>
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _inner.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
        Touch();
        return result;
    }

    /// <inheritdoc/>
    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc/>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        _inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);

    /// <inheritdoc/>
    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
        _inner.SendAsync(buffer, messageType, messageFlags, cancellationToken);

    /// <inheritdoc/>
    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        _inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc/>
    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        _inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    /// <inheritdoc/>
    public override void Abort() => _inner.Abort();

    /// <summary>Stops the watchdog and disposes the inner socket.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
            _inner.Dispose();
        }
    }
}
