using System.Net.WebSockets;
using System.Text;

namespace WebSocketGuard;

/// <summary>
/// The close handshake with a bounded wait: a peer that never answers must not keep the socket (and the task) alive,
/// so after the timeout the socket is aborted.
/// </summary>
public static class GracefulClose
{
    /// <summary>The default bound on the handshake: 5 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private const int MaxDescriptionBytes = 123;

    /// <summary>
    /// Closes <paramref name="socket"/>: sends Close and waits for the peer's Close (or, when the peer closed first,
    /// answers it), at most <paramref name="timeout"/>; then aborts.
    /// </summary>
    /// <param name="socket">The socket. Must not have a receive in progress when it is still open (use <see cref="ReceiveLoop"/>, which answers the peer's Close itself).</param>
    /// <param name="status">The close code; not <see cref="WebSocketCloseStatus.Empty"/>.</param>
    /// <param name="description">An optional reason of at most 123 UTF-8 bytes.</param>
    /// <param name="timeout">Bound on the handshake; 5 s when null. Must be positive and finite.</param>
    /// <param name="cancellationToken">Aborts the socket and stops waiting.</param>
    /// <returns><see langword="true"/> when the handshake completed; <see langword="false"/> when it failed or timed out and the socket was aborted.</returns>
    /// <exception cref="ArgumentException">The status, description or timeout is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the socket has been aborted).</exception>
    public static Task<bool> CloseAsync(WebSocket socket, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CloseAsync(socket, TimeProvider.System, status, description, timeout, cancellationToken);

    /// <summary>Closes <paramref name="socket"/> with the timeout measured on <paramref name="timeProvider"/>.</summary>
    /// <inheritdoc cref="CloseAsync(WebSocket, WebSocketCloseStatus, string?, TimeSpan?, CancellationToken)"/>
    public static async Task<bool> CloseAsync(WebSocket socket, TimeProvider timeProvider, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var bound = ValidateTimeout(timeout);
        ValidateClose(status, description);

        switch (socket.State)
        {
            case WebSocketState.Closed:
                return true;
            case WebSocketState.Open:
            case WebSocketState.CloseReceived:
            case WebSocketState.CloseSent:
                break;
            default:
                // Never connected or already aborted: nothing to hand-shake, just release it.
                socket.Abort();
                return false;
        }

        using var timeoutCts = new CancellationTokenSource(bound, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        Task closing;
        try
        {
            // After the peer's Close only our answer is missing; otherwise send ours and wait for theirs.
            closing = socket.State == WebSocketState.CloseReceived
                ? socket.CloseOutputAsync(status, description, linked.Token)
                : socket.CloseAsync(status, description, linked.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or InvalidOperationException or ObjectDisposedException)
        {
            socket.Abort();
            return false;
        }

        try
        {
            // WaitAsync bounds us even if the socket ignores the token.
            await closing.WaitAsync(bound, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            socket.Abort();
            Observe(closing);
            throw;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            socket.Abort();
            Observe(closing);
            return false;
        }

        WebSocketGuardMetrics.RecordClose(status, sent: true);
        return socket.State == WebSocketState.Closed;
    }

    /// <summary>Sends our Close without waiting for the peer's; aborts if that cannot be done within <paramref name="timeout"/>.</summary>
    internal static async Task CloseOutputBoundedAsync(WebSocket socket, WebSocketCloseStatus status, string? description, TimeSpan timeout, TimeProvider timeProvider)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        Task? closing = null;
        using var timeoutCts = new CancellationTokenSource(timeout, timeProvider);
        try
        {
            closing = socket.CloseOutputAsync(status, description, timeoutCts.Token);
            await closing.WaitAsync(timeout, timeProvider).ConfigureAwait(false);
            WebSocketGuardMetrics.RecordClose(status, sent: true);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or WebSocketException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            socket.Abort();
            if (closing is not null)
            {
                Observe(closing);
            }
        }
    }

    internal static TimeSpan ValidateTimeout(TimeSpan? timeout)
    {
        var bound = timeout ?? DefaultTimeout;
        if (bound <= TimeSpan.Zero || bound == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), bound, "The close timeout must be positive and finite; an unbounded close can hang on a vanished peer.");
        }

        return bound;
    }

    internal static void ValidateClose(WebSocketCloseStatus status, string? description)
    {
        if (status == WebSocketCloseStatus.Empty)
        {
            throw new ArgumentException("WebSocketCloseStatus.Empty (1005) is reserved and cannot be sent; use NormalClosure.", nameof(status));
        }

        if (description is not null && Encoding.UTF8.GetByteCount(description) > MaxDescriptionBytes)
        {
            throw new ArgumentException($"The close description must be at most {MaxDescriptionBytes} UTF-8 bytes.", nameof(description));
        }
    }

    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
