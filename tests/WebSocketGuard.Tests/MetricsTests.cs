using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Meter_publishes_the_documented_instruments()
    {
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == WebSocketGuardMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals.AddOrUpdate(instrument.Name, value, (_, v) => v + value));
        listener.Start();

        var socket = new GatedWebSocket { GateOpen = true };
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedBytes = 2 });
        Assert.True(await sender.SendAsync(new byte[2]));
        Assert.False(await sender.SendAsync(new byte[3]));
        await sender.DisposeAsync();

        // Other tests run in parallel and report to the same meter, so only lower bounds hold.
        Assert.True(totals.GetValueOrDefault("websocketguard.messages.sent") >= 1);
        Assert.True(totals.GetValueOrDefault("websocketguard.bytes.sent") >= 2);
        Assert.True(totals.GetValueOrDefault("websocketguard.send.dropped") >= 1);
        var names = new List<string>();
        using var all = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == WebSocketGuardMetrics.MeterName)
                {
                    names.Add(instrument.Name);
                }
            },
        };
        all.Start();
        Assert.Contains("websocketguard.connections.active", names);
        Assert.Contains("websocketguard.messages.received", names);
        Assert.Contains("websocketguard.send_queue.depth", names);
        Assert.Contains("websocketguard.reconnect.attempts", names);
        Assert.Contains("websocketguard.keepalive.timeouts", names);
        Assert.Contains("websocketguard.closes", names);
    }
}
