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
