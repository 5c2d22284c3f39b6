using System.Buffers;
using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>
/// Reads whole messages from a socket: joins fragments until <c>EndOfMessage</c>, enforces a size limit, and returns
/// the peer's Close as a message instead of throwing. Only one read may be in progress at a time.
/// </summary>
/// <remarks>
/// Buffers come from <see cref="ArrayPool{T}.Shared"/>. While waiting for the next message the reader holds no buffer:
/// it waits with a zero-byte receive and rents only once data arrives, so idle connections cost no buffer memory.
/// The buffer of a message is returned on the next read or on <see cref="Dispose"/>.
/// </remarks>
public sealed class WebSocketMessageReader : IDisposable
{
    /// <summary>The default limit for one inbound message: 64 KiB.</summary>
    public const int DefaultMaxMessageSize = 64 * 1024;

    private const int InitialBufferSize = 4 * 1024;

    private readonly WebSocket _socket;
    private readonly int _maxMessageSize;
    private byte[]? _buffer;
    private bool _failed;
    private bool _disposed;

    /// <summary>Creates a reader over <paramref name="socket"/>.</summary>
    /// <param name="socket">The socket to read; the reader must be its only reader.</param>
    /// <param name="maxMessageSize">Largest accepted message in bytes; 64 KiB by default. Must be positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxMessageSize"/> is not positive.</exception>
    public WebSocketMessageReader(WebSocket socket, int maxMessageSize = DefaultMaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (maxMessageSize <= 0 || maxMessageSize == int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessageSize), maxMessageSize, "The maximum message size must be positive and below int.MaxValue bytes.");
        }

        _socket = socket;
        _maxMessageSize = maxMessageSize;
    }

    /// <summary>Largest accepted message in bytes.</summary>
    public int MaxMessageSize => _maxMessageSize;

    /// <summary>How long sending the 1009 close may take before the socket is aborted; 5 s by default.</summary>
    public TimeSpan CloseTimeout { get; init; } = GracefulClose.DefaultTimeout;

    /// <summary>Clock for <see cref="CloseTimeout"/>; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Whether a buffer is currently rented (false while idle between messages); for diagnostics and tests.</summary>
    public bool HoldsBuffer => _buffer is not null;

    /// <summary>
    /// Reads the next whole message. The peer's Close comes back as a message with <see cref="WebSocketMessage.IsClose"/>;
    /// answer it (or use <see cref="ReceiveLoop"/>, which does).
    /// </summary>
    /// <param name="cancellationToken">Stops the read; note that cancelling a WebSocket receive aborts the socket.</param>
    /// <returns>The message; its payload is valid until the next call.</returns>
    /// <exception cref="WebSocketMessageTooBigException">The message exceeded <see cref="MaxMessageSize"/>; a 1009 close was sent.</exception>
    /// <exception cref="WebSocketException">The socket failed.</exception>
    /// <exception cref="OperationCanceledException">The read was cancelled or the socket aborted.</exception>
    public ValueTask<WebSocketMessage> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed)
        {
            throw new InvalidOperationException("The reader stopped after an oversized message; the connection is closing.");
        }

        ReturnBuffer();
        return ReadCoreAsync(cancellationToken);
    }

    private async ValueTask<WebSocketMessage> ReadCoreAsync(CancellationToken cancellationToken)
    {
        // Wait without a buffer: thousands of idle connections then hold no receive memory.
        var first = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        if (first.MessageType == WebSocketMessageType.Close)
        {
            return CloseMessage();
        }

        var type = first.MessageType;
        if (first.EndOfMessage)
        {
            return Complete(type, ReadOnlyMemory<byte>.Empty);
        }

        // One byte past the limit lets us tell "exactly at the limit" from "over it".
        var window = _maxMessageSize + 1;
        var buffer = _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, window));
        var length = 0;
        while (true)
        {
            if (length == Math.Min(buffer.Length, window))
            {
                buffer = Grow(buffer, length, window);
            }

            var result = await _socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, window) - length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                ReturnBuffer();
                return CloseMessage();
            }

            length += result.Count;
            if (length > _maxMessageSize)
            {
                ReturnBuffer();
                _failed = true;
                await CloseTooBigAsync().ConfigureAwait(false);
                throw new WebSocketMessageTooBigException(_maxMessageSize);
            }

            if (result.EndOfMessage)
            {
                return Complete(type, buffer.AsMemory(0, length));
            }
        }
    }

    private byte[] Grow(byte[] buffer, int length, int window)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, window));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        _buffer = bigger;
        return bigger;
    }

    private WebSocketMessage CloseMessage()
    {
        WebSocketGuardMetrics.RecordClose(_socket.CloseStatus, sent: false);
        return WebSocketMessage.Close(_socket.CloseStatus, _socket.CloseStatusDescription);
    }

    private static WebSocketMessage Complete(WebSocketMessageType type, ReadOnlyMemory<byte> payload)
    {
        WebSocketGuardMetrics.MessagesReceived.Add(1);
        WebSocketGuardMetrics.BytesReceived.Add(payload.Length);
        return new WebSocketMessage(type, payload);
    }

    private Task CloseTooBigAsync() =>
        GracefulClose.CloseOutputBoundedAsync(_socket, WebSocketCloseStatus.MessageTooBig, $"Message exceeds {_maxMessageSize} bytes", CloseTimeout, TimeProvider);

    private void ReturnBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns the pooled buffer; the last message's payload becomes invalid. Does not close the socket.</summary>
    public void Dispose()
    {
        _disposed = true;
        ReturnBuffer();
    }
}
