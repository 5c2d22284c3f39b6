using System.Diagnostics.Metrics;
using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics.Meter"/> named <c>WebSocketGuard</c> that every type in this library reports to.
/// Listen with <c>dotnet-counters monitor --counters WebSocketGuard</c> or OpenTelemetry's <c>AddMeter("WebSocketGuard")</c>.
/// </summary>
/// <remarks>
/// Instruments: <c>websocketguard.connections.active</c>, <c>websocketguard.messages.received</c>,
/// <c>websocketguard.messages.sent</c>, <c>websocketguard.bytes.received</c>, <c>websocketguard.bytes.sent</c>,
/// <c>websocketguard.send_queue.depth</c>, <c>websocketguard.send.dropped</c> (tag <c>reason</c>),
/// <c>websocketguard.reconnect.attempts</c>, <c>websocketguard.keepalive.timeouts</c> and
/// <c>websocketguard.closes</c> (tags <c>websocket.close_code</c> and <c>direction</c>). Recording is cheap and allocation-free when nobody listens.
/// </remarks>
public static class WebSocketGuardMetrics
{
    /// <summary>The meter name: <c>WebSocketGuard</c>.</summary>
    public const string MeterName = "WebSocketGuard";

    /// <summary>The meter itself, for listeners that want the instruments directly.</summary>
    public static Meter Meter { get; } = new(MeterName, typeof(WebSocketGuardMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly UpDownCounter<long> ActiveConnections = Meter.CreateUpDownCounter<long>("websocketguard.connections.active", "{connection}", "Connections currently open through ReconnectingWebSocket.");
    internal static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("websocketguard.messages.received", "{message}", "Whole messages read.");
    internal static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("websocketguard.messages.sent", "{message}", "Messages sent by WebSocketSender.");
    internal static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>("websocketguard.bytes.received", "By", "Payload bytes read.");
    internal static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("websocketguard.bytes.sent", "By", "Payload bytes sent by WebSocketSender.");
    internal static readonly UpDownCounter<long> SendQueueDepth = Meter.CreateUpDownCounter<long>("websocketguard.send_queue.depth", "{message}", "Messages accepted by senders and not yet sent.");
    internal static readonly Counter<long> Dropped = Meter.CreateCounter<long>("websocketguard.send.dropped", "{message}", "Accepted or offered messages that were not sent.");
    internal static readonly Counter<long> ReconnectAttempts = Meter.CreateCounter<long>("websocketguard.reconnect.attempts", "{attempt}", "Reconnect attempts scheduled by ReconnectingWebSocket.");
    internal static readonly Counter<long> KeepAliveTimeouts = Meter.CreateCounter<long>("websocketguard.keepalive.timeouts", "{timeout}", "Connections given up because the peer stopped answering.");
    internal static readonly Counter<long> Closes = Meter.CreateCounter<long>("websocketguard.closes", "{close}", "Close handshakes seen, by close code.");

    internal static void RecordDropped(long count, string reason)
    {
        if (count > 0)
        {
            Dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    internal static void RecordClose(WebSocketCloseStatus? status, bool sent)
    {
        if (Closes.Enabled)
        {
            Closes.Add(
                1,
                new KeyValuePair<string, object?>("websocket.close_code", status is { } s ? (int)s : 1005),
                new KeyValuePair<string, object?>("direction", sent ? "sent" : "received"));
        }
    }
}
