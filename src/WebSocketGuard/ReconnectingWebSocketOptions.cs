using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>Settings for <see cref="ReconnectingWebSocket"/>.</summary>
public sealed class ReconnectingWebSocketOptions
{
    /// <summary>Delays between attempts; <see cref="WebSocketGuard.Backoff.Default"/> (1 s doubling to 30 s, full jitter) by default.</summary>
    public Backoff Backoff { get; set; } = Backoff.Default;

    /// <summary>A connection that stayed up this long resets the backoff to its first step; 30 s by default.</summary>
    public TimeSpan StablePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on one connect attempt; 10 s by default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Ping interval; <see cref="KeepAlive.DefaultInterval"/> by default.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = KeepAlive.DefaultInterval;

    /// <summary>
    /// Time to wait for a pong (.NET 9+). On .NET 8 the socket is wrapped in an idle watchdog of
    /// interval + timeout instead, so the server must send something at least that often.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = KeepAlive.DefaultTimeout;

    /// <summary>Size limit and close timeout for inbound messages.</summary>
    public int MaxMessageSize { get; set; } = WebSocketMessageReader.DefaultMaxMessageSize;

    /// <summary>Bounds of the outbound queue, which survives reconnects.</summary>
    public WebSocketSenderOptions Sender { get; set; } = new();

    /// <summary>Creates each new socket; <c>new ClientWebSocket()</c> by default. Must return a fresh, unconnected socket every time.</summary>
    public Func<ClientWebSocket>? SocketFactory { get; set; }

    /// <summary>Adjusts each socket's options (headers, subprotocols, certificates) before it connects; keep-alive is already set.</summary>
    public Action<ClientWebSocketOptions>? ConfigureSocket { get; set; }

    /// <summary>
    /// Receives each message on the receive loop; when null, messages are copied into <see cref="ReconnectingWebSocket.Messages"/>.
    /// The payload is valid only until the callback's task completes.
    /// </summary>
    public Func<WebSocketMessage, CancellationToken, ValueTask>? OnMessage { get; set; }

    /// <summary>Capacity of <see cref="ReconnectingWebSocket.Messages"/>; reading stops (backpressure) when it is full. 1,024 by default.</summary>
    public int ReceiveBufferCapacity { get; set; } = 1024;

    /// <summary>Clock for backoff, timeouts and the stable period; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Wrap sockets in <see cref="IdleTimeoutWebSocket"/> (interval + timeout). On by default on .NET 8, where the framework
    /// cannot time out pings; internal so tests can exercise the .NET 8 path on newer runtimes.
    /// </summary>
    internal bool UseIdleWatchdog { get; set; } =
#if NET9_0_OR_GREATER
        false;
#else
        true;
#endif

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Backoff, "options.Backoff");
        ArgumentNullException.ThrowIfNull(Sender, "options.Sender");
        ArgumentNullException.ThrowIfNull(TimeProvider, "options.TimeProvider");
        if (StablePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException($"StablePeriod must not be negative (was {StablePeriod}).", "options");
        }

        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"ConnectTimeout must be positive and finite (was {ConnectTimeout}).", "options");
        }

        if (MaxMessageSize <= 0)
        {
            throw new ArgumentException($"MaxMessageSize must be positive (was {MaxMessageSize}).", "options");
        }

        if (ReceiveBufferCapacity <= 0)
        {
            throw new ArgumentException($"ReceiveBufferCapacity must be positive (was {ReceiveBufferCapacity}).", "options");
        }

        KeepAlive.Validate(KeepAliveInterval, KeepAliveTimeout);
    }
}

/// <summary>Data for <see cref="ReconnectingWebSocket.Disconnected"/>.</summary>
public sealed class DisconnectedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public DisconnectedEventArgs(ReceiveLoopResult reason) => Reason = reason;

    /// <summary>How the connection ended.</summary>
    public ReceiveLoopResult Reason { get; }
}

/// <summary>Data for <see cref="ReconnectingWebSocket.Reconnecting"/>.</summary>
public sealed class ReconnectingEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public ReconnectingEventArgs(int attempt, TimeSpan delay, Exception? lastError)
    {
        Attempt = attempt;
        Delay = delay;
        LastError = lastError;
    }

    /// <summary>The retry number since the last stable connection; 1 for the first retry.</summary>
    public int Attempt { get; }

    /// <summary>How long the client waits before this attempt.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The connect failure that led here, when the previous attempt failed to connect.</summary>
    public Exception? LastError { get; }
}
