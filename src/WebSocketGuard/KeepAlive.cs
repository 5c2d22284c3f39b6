using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>
/// Dead-peer detection for WebSockets. Keep-alive pings alone only keep proxies from closing an idle connection;
/// to notice a peer that vanished without a Close frame the socket must also give up when no answer arrives.
/// On .NET 9 and later the framework does that through <c>KeepAliveTimeout</c>.
/// </summary>
public static class KeepAlive
{
    /// <summary>The interval between keep-alive pings the fixes insert: 30 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for the answer to a ping before aborting: 20 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Configures a client socket's keep-alive before <see cref="ClientWebSocket.ConnectAsync(Uri, CancellationToken)"/>:
    /// pings every <paramref name="interval"/> and, where the framework supports it, aborts after <paramref name="timeout"/> without a pong.
    /// </summary>
    /// <param name="options">The options of a <see cref="ClientWebSocket"/> that has not connected yet.</param>
    /// <param name="interval">Time between pings; <see cref="DefaultInterval"/> when null. Must be positive.</param>
    /// <param name="timeout">Time to wait for a pong; <see cref="DefaultTimeout"/> when null. Must be positive.</param>
    /// <returns><see langword="true"/> when the framework enforces the timeout; <see langword="false"/> on .NET 8, where only pings are configured.</returns>
    public static bool Configure(ClientWebSocketOptions options, TimeSpan? interval = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (pingEvery, giveUpAfter) = Validate(interval, timeout);
        options.KeepAliveInterval = pingEvery;
#if NET9_0_OR_GREATER
        options.KeepAliveTimeout = giveUpAfter;
        return true;
#else
        _ = giveUpAfter;
        return false;
#endif
    }

    /// <summary>Configures keep-alive on options for <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>.</summary>
    /// <inheritdoc cref="Configure(ClientWebSocketOptions, TimeSpan?, TimeSpan?)"/>
    public static bool Configure(WebSocketCreationOptions options, TimeSpan? interval = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (pingEvery, giveUpAfter) = Validate(interval, timeout);
        options.KeepAliveInterval = pingEvery;
#if NET9_0_OR_GREATER
        options.KeepAliveTimeout = giveUpAfter;
        return true;
#else
        _ = giveUpAfter;
        return false;
#endif
    }

    /// <summary>
    /// Wraps <paramref name="socket"/> in an idle watchdog that aborts it when no receive has completed for
    /// <paramref name="idleTimeout"/>: dead-peer detection for .NET 8, where the framework has no <c>KeepAliveTimeout</c>.
    /// </summary>
    /// <remarks>
    /// <para>Read and write through the returned socket; it forwards everything to <paramref name="socket"/>.</para>
    /// <para>Limitation: .NET 8 answers pings and consumes pongs internally, so they never reach the watchdog. A healthy but
    /// quiet peer therefore looks dead. Pair the watchdog with an application heartbeat (the peer sends a small message
    /// more often than <paramref name="idleTimeout"/>), and keep a receive pending at all times (for example with
    /// <see cref="ReceiveLoop"/>), since only completed receives count as activity.</para>
    /// <para>On .NET 9 and later prefer <see cref="Configure(ClientWebSocketOptions, TimeSpan?, TimeSpan?)"/>, which makes the
    /// framework wait for the pong.</para>
    /// </remarks>
    /// <param name="socket">The socket to watch.</param>
    /// <param name="idleTimeout">How long the socket may stay silent; must be positive and finite.</param>
    /// <param name="timeProvider">Clock for the watchdog; <see cref="TimeProvider.System"/> when null.</param>
    /// <returns>The watching wrapper; dispose it to stop the watchdog and dispose <paramref name="socket"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="idleTimeout"/> is not positive and finite.</exception>
    public static IdleTimeoutWebSocket WithIdleTimeout(WebSocket socket, TimeSpan idleTimeout, TimeProvider? timeProvider = null) =>
        new(socket, idleTimeout, timeProvider ?? TimeProvider.System);

    internal static (TimeSpan Interval, TimeSpan Timeout) Validate(TimeSpan? interval, TimeSpan? timeout)
    {
        var pingEvery = interval ?? DefaultInterval;
        var giveUpAfter = timeout ?? DefaultTimeout;
        if (pingEvery <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), pingEvery, "The keep-alive interval must be positive; zero or infinite switches dead-peer detection off.");
        }

        if (giveUpAfter <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), giveUpAfter, "The keep-alive timeout must be positive.");
        }

        return (pingEvery, giveUpAfter);
    }
}
