using Microsoft.AspNetCore.Builder;

namespace WebSocketGuard.AspNetCore;

/// <summary>Keep-alive for the ASP.NET Core WebSocket middleware.</summary>
public static class WebSocketOptionsExtensions
{
    /// <summary>
    /// Pings every <paramref name="interval"/> and, on .NET 9 and later, aborts a connection whose client
    /// has not answered within <paramref name="timeout"/>.
    /// </summary>
    /// <returns>The same options, for chaining.</returns>
    public static WebSocketOptions ConfigureKeepAlive(this WebSocketOptions options, TimeSpan? interval = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (pingEvery, giveUpAfter) = KeepAlive.Validate(interval, timeout);
        options.KeepAliveInterval = pingEvery;
#if NET9_0_OR_GREATER
        options.KeepAliveTimeout = giveUpAfter;
#else
        _ = giveUpAfter;
#endif
        return options;
    }
}
