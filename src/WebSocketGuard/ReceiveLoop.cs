using System.Net.Sockets;
using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>How a <see cref="ReceiveLoop"/> ended.</summary>
public enum ReceiveLoopOutcome
{
    /// <summary>The peer sent Close; it was answered.</summary>
    ClosedByPeer,

    /// <summary>The caller's token was cancelled.</summary>
    Cancelled,

    /// <summary>The connection broke without a close handshake.</summary>
    PeerVanished,

    /// <summary>The peer stopped answering keep-alive pings (or the idle watchdog fired).</summary>
    KeepAliveTimeout,

    /// <summary>A message exceeded the size limit; the socket was closed with 1009.</summary>
    MessageTooBig,

    /// <summary>The peer broke the WebSocket protocol.</summary>
    ProtocolError,

    /// <summary>The message callback threw; the socket was closed with 1011.</summary>
    HandlerFailed,
}

/// <summary>How a <see cref="ReceiveLoop"/> ended, with the close code and the exception, if any.</summary>
public sealed class ReceiveLoopResult
{
    /// <summary>Creates a result.</summary>
    public ReceiveLoopResult(ReceiveLoopOutcome outcome, WebSocketCloseStatus? closeStatus = null, string? closeStatusDescription = null, Exception? exception = null)
    {
        Outcome = outcome;
        CloseStatus = closeStatus;
        CloseStatusDescription = closeStatusDescription;
        Exception = exception;
    }

    /// <summary>Why the loop ended.</summary>
    public ReceiveLoopOutcome Outcome { get; }

    /// <summary>The close code received (for <see cref="ReceiveLoopOutcome.ClosedByPeer"/>) or sent (1009, 1011).</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>The close reason that came with <see cref="CloseStatus"/>.</summary>
    public string? CloseStatusDescription { get; }

    /// <summary>The failure behind the outcome, if there was one.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => CloseStatus is { } s ? $"{Outcome} ({(int)s} {CloseStatusDescription})" : Exception is { } e ? $"{Outcome}: {e.Message}" : Outcome.ToString();
}

/// <summary>Options for <see cref="ReceiveLoop.RunAsync"/>.</summary>
public sealed class ReceiveLoopOptions
{
    /// <summary>Largest accepted message; 64 KiB by default. Must be positive.</summary>
    public int MaxMessageSize { get; set; } = WebSocketMessageReader.DefaultMaxMessageSize;

    /// <summary>Bound on answering a Close or sending 1009/1011; 5 s by default. Must be positive and finite.</summary>
    public TimeSpan CloseTimeout { get; set; } = GracefulClose.DefaultTimeout;

    /// <summary>Clock for the timeouts; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>
/// The one reader of a socket: hands each whole message to a callback, answers the peer's Close, and reports how the
/// connection ended instead of letting socket exceptions escape unobserved.
/// </summary>
public static class ReceiveLoop
{
    /// <summary>Reads messages until the connection ends.</summary>
    /// <param name="socket">The socket; nothing else may read it.</param>
    /// <param name="onMessage">Called once per message, in order. The payload is valid only until the callback's task completes.</param>
    /// <param name="options">Size limit and timeouts; defaults when null.</param>
    /// <param name="cancellationToken">Stops the loop (a cancelled WebSocket receive aborts the socket).</param>
    /// <returns>How the loop ended. Socket failures and callback exceptions are reported here, not thrown.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> or <paramref name="onMessage"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static Task<ReceiveLoopResult> RunAsync(WebSocket socket, Func<WebSocketMessage, CancellationToken, ValueTask> onMessage, ReceiveLoopOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(onMessage);
        options ??= new ReceiveLoopOptions();
        var closeTimeout = GracefulClose.ValidateTimeout(options.CloseTimeout);
        var timeProvider = options.TimeProvider ?? throw new ArgumentException("ReceiveLoopOptions.TimeProvider must not be null.", nameof(options));
        var reader = new WebSocketMessageReader(socket, options.MaxMessageSize) { CloseTimeout = closeTimeout, TimeProvider = timeProvider };
        return RunCoreAsync(socket, reader, onMessage, closeTimeout, timeProvider, cancellationToken);
    }

    private static async Task<ReceiveLoopResult> RunCoreAsync(WebSocket socket, WebSocketMessageReader reader, Func<WebSocketMessage, CancellationToken, ValueTask> onMessage, TimeSpan closeTimeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var _ = reader;
        while (true)
        {
            WebSocketMessage message;
            try
            {
                message = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return Classify(ex, socket, cancellationToken);
            }

            if (message.IsClose)
            {
                // Answer so the peer's CloseAsync completes; a peer that started the handshake is owed our Close.
                await GracefulClose.CloseOutputBoundedAsync(socket, message.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, closeTimeout, timeProvider).ConfigureAwait(false);
                return new ReceiveLoopResult(ReceiveLoopOutcome.ClosedByPeer, message.CloseStatus, message.CloseStatusDescription);
            }

            try
            {
                await onMessage(message, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                return new ReceiveLoopResult(ReceiveLoopOutcome.Cancelled, exception: ex);
            }
            catch (Exception ex)
            {
                await GracefulClose.CloseOutputBoundedAsync(socket, WebSocketCloseStatus.InternalServerError, "Handler failed", closeTimeout, timeProvider).ConfigureAwait(false);
                return new ReceiveLoopResult(ReceiveLoopOutcome.HandlerFailed, WebSocketCloseStatus.InternalServerError, "Handler failed", ex);
            }
        }
    }

    /// <summary>Maps a receive failure to an outcome; internal so tests can check each case.</summary>
    internal static ReceiveLoopResult Classify(Exception ex, WebSocket socket, CancellationToken cancellationToken)
    {
        if (ex is WebSocketMessageTooBigException tooBig)
        {
            return new ReceiveLoopResult(ReceiveLoopOutcome.MessageTooBig, tooBig.CloseStatus, null, ex);
        }

        if (socket is IdleTimeoutWebSocket { TimedOut: true } || IsKeepAliveTimeout(ex))
        {
            if (socket is not IdleTimeoutWebSocket)
            {
                WebSocketGuardMetrics.KeepAliveTimeouts.Add(1);
            }

            return new ReceiveLoopResult(ReceiveLoopOutcome.KeepAliveTimeout, exception: ex);
        }

        if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return new ReceiveLoopResult(ReceiveLoopOutcome.Cancelled, exception: ex);
        }

        if (ex is WebSocketException wse)
        {
            switch (wse.WebSocketErrorCode)
            {
                case WebSocketError.ConnectionClosedPrematurely:
                    return new ReceiveLoopResult(ReceiveLoopOutcome.PeerVanished, exception: ex);
                case WebSocketError.InvalidMessageType:
                case WebSocketError.HeaderError:
                case WebSocketError.UnsupportedProtocol:
                case WebSocketError.UnsupportedVersion:
                case WebSocketError.NotAWebSocket:
                    return new ReceiveLoopResult(ReceiveLoopOutcome.ProtocolError, exception: ex);
                case WebSocketError.Faulted when ex.InnerException is null:
                    // The managed socket reports framing violations as Faulted without an I/O cause.
                    return new ReceiveLoopResult(ReceiveLoopOutcome.ProtocolError, socket.CloseStatus, socket.CloseStatusDescription, ex);
            }
        }

        // Anything else is the transport going away: reset, EOF, abort, disposed stream.
        return ex is WebSocketException or IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException
            ? new ReceiveLoopResult(ReceiveLoopOutcome.PeerVanished, exception: ex)
            : new ReceiveLoopResult(ReceiveLoopOutcome.ProtocolError, exception: ex);
    }

    private static bool IsKeepAliveTimeout(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            // .NET 9+ fails the receive with Faulted and a message about the missing Pong when KeepAliveTimeout expires.
            if (e is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted } w
                && (w.Message.Contains("Pong", StringComparison.OrdinalIgnoreCase) || w.Message.Contains("KeepAlive", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
