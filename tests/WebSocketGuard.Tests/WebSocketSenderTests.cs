using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class WebSocketSenderTests
{
    private static WebSocketSenderOptions Small(SendOverflowPolicy policy, int messages = 3) =>
        new() { MaxQueuedMessages = messages, OverflowPolicy = policy };

    /// <summary>Sends m0 (which blocks in the socket) and fills the queue with m1..m3.</summary>
    private static async Task<WebSocketSender> FilledAsync(GatedWebSocket socket, WebSocketSenderOptions options, TimeProvider? time = null)
    {
        var sender = new WebSocketSender(socket, options, time);
        Assert.True(await sender.SendTextAsync("m0"));
        await Eventually.True(() => socket.SendsStarted == 1, "m0 in flight");
        for (var i = 1; i <= options.MaxQueuedMessages; i++)
        {
            Assert.True(await sender.SendTextAsync("m" + i));
        }

        Assert.Equal(options.MaxQueuedMessages, sender.QueuedCount);
        return sender;
    }

    [Fact]
    public async Task DropNewest_rejects_the_new_message_and_counts_it()
    {
        var socket = new GatedWebSocket();
        var sender = await FilledAsync(socket, Small(SendOverflowPolicy.DropNewest));
        Assert.False(await sender.SendTextAsync("m4"));
        Assert.Equal(1, sender.DroppedCount);
        socket.Open();
        await sender.DisposeAsync();
        Assert.Equal(new[] { "m0", "m1", "m2", "m3" }, socket.Sent);
        Assert.Equal(1, sender.DroppedCount);
        Assert.True(sender.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DropOldest_evicts_the_oldest_queued_message()
    {
        var socket = new GatedWebSocket();
        var sender = await FilledAsync(socket, Small(SendOverflowPolicy.DropOldest));
        Assert.True(await sender.SendTextAsync("m4"));
        Assert.True(await sender.SendTextAsync("m5"));
        Assert.Equal(2, sender.DroppedCount);
        socket.Open();
        await sender.DisposeAsync();
        Assert.Equal(new[] { "m0", "m3", "m4", "m5" }, socket.Sent);
    }

    [Fact]
    public async Task DropOldest_respects_the_byte_bound()
    {
        var socket = new GatedWebSocket();
        var options = new WebSocketSenderOptions { MaxQueuedMessages = 100, MaxQueuedBytes = 10, OverflowPolicy = SendOverflowPolicy.DropOldest };
        var sender = new WebSocketSender(socket, options);
        Assert.True(await sender.SendTextAsync("inflight"));
        await Eventually.True(() => socket.SendsStarted == 1, "first send in flight");
        Assert.True(await sender.SendTextAsync("aaaa"));
        Assert.True(await sender.SendTextAsync("bbbb"));
        Assert.Equal(8, sender.QueuedBytes);
        Assert.True(await sender.SendTextAsync("cccccc"));
        Assert.Equal(1, sender.DroppedCount);
        Assert.Equal(10, sender.QueuedBytes);
        socket.Open();
        await sender.DisposeAsync();
        Assert.Equal(new[] { "inflight", "bbbb", "cccccc" }, socket.Sent);
    }

    [Fact]
    public async Task Wait_blocks_until_room_then_accepts()
    {
        var socket = new GatedWebSocket();
        var time = new FakeTimeProvider();
        var sender = await FilledAsync(socket, Small(SendOverflowPolicy.Wait), time);
        var waiting = sender.SendTextAsync("m4").AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        socket.Release();
        Assert.True(await Eventually.Within(waiting, "room frees up"));
        Assert.Equal(0, sender.DroppedCount);
        socket.Open();
        await sender.DisposeAsync();
        Assert.Equal(new[] { "m0", "m1", "m2", "m3", "m4" }, socket.Sent);
    }

    [Fact]
    public async Task Wait_gives_up_after_the_wait_timeout_and_counts_the_drop()
    {
        var socket = new GatedWebSocket();
        var time = new FakeTimeProvider();
        var options = Small(SendOverflowPolicy.Wait);
        options.WaitTimeout = TimeSpan.FromSeconds(2);
        var sender = await FilledAsync(socket, options, time);
        var waiting = sender.SendTextAsync("m4").AsTask();
        time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(await Eventually.Within(waiting, "wait timeout"));
        Assert.Equal(1, sender.DroppedCount);
        socket.Open();
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task Wait_can_be_cancelled_without_queueing()
    {
        var socket = new GatedWebSocket();
        var sender = await FilledAsync(socket, Small(SendOverflowPolicy.Wait));
        using var cts = new CancellationTokenSource();
        var waiting = sender.SendTextAsync("m4", cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(3, sender.QueuedCount);
        socket.Open();
        await sender.DisposeAsync();
        Assert.DoesNotContain("m4", socket.Sent);
    }

    [Fact]
    public async Task DisconnectSlowConsumer_aborts_and_counts_everything_queued()
    {
        var socket = new GatedWebSocket();
        var sender = await FilledAsync(socket, Small(SendOverflowPolicy.DisconnectSlowConsumer));
        Assert.False(await sender.SendTextAsync("m4"));
        Assert.True(socket.Aborted);
        // m1..m3 queued plus m4 rejected, then m0 in flight fails on the aborted socket.
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => sender.Completion.WaitAsync(Eventually.Generous));
        Assert.Contains("did not keep up", ex.Message);
        Assert.Equal(5, sender.DroppedCount);
        Assert.Equal(0, sender.QueuedCount);
        Assert.False(await sender.SendTextAsync("late"));
        Assert.Equal(6, sender.DroppedCount);
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task Message_larger_than_the_byte_bound_is_dropped()
    {
        var socket = new GatedWebSocket { GateOpen = true };
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedBytes = 4 });
        Assert.False(await sender.SendAsync(new byte[5]));
        Assert.True(await sender.SendAsync(new byte[4]));
        Assert.Equal(1, sender.DroppedCount);
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task Send_timeout_aborts_and_faults_completion()
    {
        var socket = new GatedWebSocket();
        var time = new FakeTimeProvider();
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { SendTimeout = TimeSpan.FromSeconds(10) }, time);
        Assert.True(await sender.SendTextAsync("stuck"));
        Assert.True(await sender.SendTextAsync("queued"));
        await Eventually.True(() => socket.SendsStarted == 1, "send in flight");
        time.Advance(TimeSpan.FromSeconds(10));
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => sender.Completion.WaitAsync(Eventually.Generous));
        Assert.Contains("did not complete", ex.Message);
        Assert.True(socket.Aborted);
        Assert.Equal(2, sender.DroppedCount);
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_drains_accepted_messages()
    {
        var socket = new GatedWebSocket();
        var sender = new WebSocketSender(socket);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(await sender.SendTextAsync("m" + i));
        }

        var disposing = sender.DisposeAsync().AsTask();
        socket.Open();
        await Eventually.Within(disposing, "drain on dispose");
        Assert.Equal(100, socket.Sent.Count);
        Assert.Equal(0, sender.DroppedCount);
        Assert.True(sender.Completion.IsCompletedSuccessfully);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await sender.SendTextAsync("late"));
    }

    [Fact]
    public async Task Dispose_stops_after_the_send_timeout_and_counts_the_rest()
    {
        var socket = new GatedWebSocket();
        var time = new FakeTimeProvider();
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { SendTimeout = TimeSpan.FromSeconds(10) }, time);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await sender.SendTextAsync("m" + i));
        }

        await Eventually.True(() => socket.SendsStarted == 1, "send in flight");
        var disposing = sender.DisposeAsync().AsTask();
        await Task.Delay(20);
        time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.True(() => { time.Advance(TimeSpan.FromSeconds(1)); return disposing.IsCompleted; }, "dispose gives up");
        Assert.Equal(5, sender.DroppedCount);
        Assert.True(sender.Completion.IsCompleted);
    }

    [Fact]
    public async Task Never_two_sends_at_once_under_concurrent_producers()
    {
        var socket = new GatedWebSocket { GateOpen = true };
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 10_000 });
        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                Assert.True(await sender.SendTextAsync($"{p}:{i}"));
            }
        })));
        await sender.DisposeAsync();
        Assert.Equal(4000, socket.Sent.Count);
        Assert.Equal(1, socket.MaxConcurrentSends);
        // Per-producer order is kept.
        foreach (var group in socket.Sent.GroupBy(s => s.Split(':')[0]))
        {
            Assert.Equal(Enumerable.Range(0, 500), group.Select(s => int.Parse(s.Split(':')[1])));
        }
    }

    [Fact]
    public async Task Mixed_sizes_arrive_intact_and_an_idle_sender_holds_no_buffer()
    {
        var socket = new GatedWebSocket { GateOpen = true };
        var sender = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedBytes = 64 * 1024 * 1024 });
        var rng = new Random(5);
        var expected = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            // Empty, tiny, chunk-sized and larger-than-a-chunk messages, so packing and dedicated chunks are both used.
            var length = (i % 7) switch { 0 => 0, 1 => 1, 2 => 65 * 1024, _ => rng.Next(1, 9000) };
            var text = new string((char)('a' + (i % 26)), length);
            expected.Add(text);
            Assert.True(i % 2 == 0 ? await sender.SendTextAsync(text) : await sender.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text));
        }

        await Eventually.True(() => socket.Sent.Count == 300, "all sent");
        Assert.Equal(expected, socket.Sent);
        await Eventually.True(() => !sender.HoldsBuffer, "idle sender returned its chunk");
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var socket = new GatedWebSocket();
        Assert.Throws<ArgumentNullException>(() => new WebSocketSender(null!));
        Assert.Contains("MaxQueuedMessages", Assert.Throws<ArgumentException>(() => new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 0 })).Message);
        Assert.Contains("MaxQueuedBytes", Assert.Throws<ArgumentException>(() => new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedBytes = 0 })).Message);
        Assert.Contains("WaitTimeout", Assert.Throws<ArgumentException>(() => new WebSocketSender(socket, new WebSocketSenderOptions { WaitTimeout = Timeout.InfiniteTimeSpan })).Message);
        Assert.Contains("SendTimeout", Assert.Throws<ArgumentException>(() => new WebSocketSender(socket, new WebSocketSenderOptions { SendTimeout = TimeSpan.Zero })).Message);
        Assert.Contains("OverflowPolicy", Assert.Throws<ArgumentException>(() => new WebSocketSender(socket, new WebSocketSenderOptions { OverflowPolicy = (SendOverflowPolicy)42 })).Message);
        var sender = new WebSocketSender(socket);
        var ex = Assert.Throws<ArgumentException>(() => sender.SendAsync(new byte[1], WebSocketMessageType.Close));
        Assert.Equal("messageType", ex.ParamName);
        await sender.DisposeAsync();
    }

    /// <summary>A real slow consumer: the relay stops reading, TCP buffers fill, the queue fills, and drops are counted.</summary>
    [Fact]
    public async Task Real_slow_consumer_over_tcp_fills_the_queue_and_drops_are_counted()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint);
        using var client = new ClientWebSocket();
        await client.ConnectAsync(relay.WebSocketUri(), CancellationToken.None);
        relay.StallExisting();
        var sender = new WebSocketSender(client, new WebSocketSenderOptions { MaxQueuedMessages = 16, OverflowPolicy = SendOverflowPolicy.DropNewest, SendTimeout = TimeSpan.FromSeconds(30) });
        var payload = new byte[64 * 1024];
        var accepted = 0;
        var rejected = 0;
        // TCP buffers absorb some megabytes before the socket blocks; keep offering until the queue overflows.
        for (var i = 0; i < 2000 && rejected < 10; i++)
        {
            if (await sender.SendAsync(payload))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }

            if (i % 16 == 0)
            {
                await Task.Delay(1);
            }
        }

        Assert.Equal(10, rejected);
        Assert.Equal(rejected, sender.DroppedCount);
        Assert.True(sender.QueuedCount <= 16);
        relay.ResumeExisting();
        await sender.DisposeAsync();
        Assert.Equal(rejected, sender.DroppedCount);
        Assert.True(sender.Completion.IsCompletedSuccessfully);
        await GracefulClose.CloseAsync(client, timeout: TimeSpan.FromSeconds(10));
    }
}
