using Microsoft.Extensions.Logging;

namespace WebSocketGuard.AspNetCore;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "WebSocket request to {Path} refused with {StatusCode}: {Reason}.")]
    public static partial void Rejected(ILogger logger, int statusCode, string? path, string reason);

    [LoggerMessage(2, LogLevel.Debug, "WebSocket connection {ConnectionId} accepted on {Path} for {UserKey}.")]
    public static partial void Accepted(ILogger logger, string connectionId, string? path, string? userKey);

    [LoggerMessage(3, LogLevel.Error, "The handler of WebSocket connection {ConnectionId} on {Path} failed; closing with 1011.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string connectionId, string? path);

    [LoggerMessage(4, LogLevel.Debug, "WebSocket connection {ConnectionId} ended by the client or the network: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string connectionId, string reason);

    [LoggerMessage(5, LogLevel.Debug, "WebSocket connection {ConnectionId} closed (handshake completed: {Completed}).")]
    public static partial void Closed(ILogger logger, string connectionId, bool completed);
}
