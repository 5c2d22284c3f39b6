using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using WebSocketGuard.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WebSocketGuard.Tests;

public class ReconnectingWebSocketTests(ITestOutputHelper output)
{
    private static ReconnectingWebSocketOptions Fast(int seed = 1) => new()
    {
        Backoff = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400), random: new Random(seed).NextDouble),
        KeepAliveInterval = TimeSpan.FromMilliseconds(200),
        KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        StablePeriod = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private sealed class Recorder
    {
        public int Connected;
        public ConcurrentQueue<ReceiveLoopResult> Disconnects { get; } = new();
        public ConcurrentQueue<ReconnectingEventArgs> Reconnects { get; } = new();

        public void Attach(ReconnectingWebSocket client)
        {
            client.Connected += (_, _) => Interlocked.Increment(ref Connected);
            client.Disconnected += (_, e) => Disconnects.Enqueue(e.Reason);
            client.Reconnecting += (_, e) => Reconnects.Enqueue(e);
        }
    }

    private static async Task<string> ReceiveTextAsync(ReconnectingWebSocket client)
    {
        using var cts = new CancellationTokenSource(Eventually.Generous);
        var message = await client.Messages.ReadAsync(cts.Token);
        return message.GetText();
    }

    [Fact]
    public async Task Connects_sends_and_receives()
    {
        await using var server = await WsServer.StartAsync();
        await using var client = new ReconnectingWebSocket(server.Uri(), Fast());
        await client.StartAsync();
        await Eventually.Within(client.WaitForConnectionAsync(), "connect");
        Assert.True(await client.SendTextAsync("hello"));
        Assert.Equal("hello", await ReceiveTextAsync(client));
    }

    /// <summary>Fault (1): the server vanishes without a Close (the relay black-holes the connection).</summary>
    [Theory]
#if NET9_0_OR_GREATER
    [InlineData(false)] // .NET 9+ path: the framework's KeepAliveTimeout
#endif
    [InlineData(true)]  // .NET 8 path: the idle watchdog (server heartbeats keep a healthy link alive)
    public async Task Vanished_server_is_noticed_by_keep_alive_and_the_client_reconnects(bool idleWatchdog)
    {
        await using var server = await WsServer.StartAsync();
        if (idleWatchdog)
        {
            // The app-level heartbeat the watchdog needs: the server speaks every 100 ms.
            server.Handlers["/beat"] = async socket =>
            {
                var echo = server.EchoAsync(socket);
                while (!echo.IsCompleted && socket.State == WebSocketState.Open)
                {
                    try
                    {
                        await socket.SendAsync("beat"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                    catch (Exception)
                    {
                        break;
                    }

                    await Task.Delay(100);
                }

                await echo;
            };
        }

        await using var relay = new TcpRelay(server.EndPoint);
        var options = Fast();
        options.UseIdleWatchdog = idleWatchdog;

        // A timeout with a wide margin over the pong / heartbeat period, so a loaded machine never times out a healthy peer.
        options.KeepAliveTimeout = TimeSpan.FromMilliseconds(1500);
        var recorder = new Recorder();
        var got = new ConcurrentQueue<string>();
        options.OnMessage = (m, _) =>
        {
            got.Enqueue(m.GetText());
            return ValueTask.CompletedTask;
        };
        await using var client = new ReconnectingWebSocket(relay.WebSocketUri(idleWatchdog ? "/beat" : "/"), options);
        recorder.Attach(client);
        await client.StartAsync();
        await Eventually.Within(client.WaitForConnectionAsync(), "first connect");

        // Healthy for a while: several keep-alive periods pass without a false timeout.
        await Task.Delay(1000);
        Assert.Empty(recorder.Disconnects);

        var watch = Stopwatch.StartNew();
        relay.BlackHoleExisting();
        await Eventually.True(() => !recorder.Disconnects.IsEmpty, "dead peer detected");
        var detectedAfter = watch.Elapsed;
        Assert.True(recorder.Disconnects.TryPeek(out var reason));
        Assert.Equal(ReceiveLoopOutcome.KeepAliveTimeout, reason.Outcome);
        await Eventually.True(() => Volatile.Read(ref recorder.Connected) == 2, "reconnected");
        output.WriteLine($"watchdog={idleWatchdog}: dead peer detected after {detectedAfter.TotalMilliseconds:F0} ms (interval 200 ms + timeout 1500 ms), reconnected after {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(await client.SendTextAsync("after"));
        await Eventually.True(() => got.Contains("after"), "traffic after reconnect");
    }

    /// <summary>Fault (2): the server restarts; clients back off and reconnect; what was sent meanwhile is delivered.</summary>
    [Fact]
    public async Task Server_restart_clients_reconnect_with_backoff_and_queued_messages_are_delivered()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint);
        const int clients = 20;
        var recorders = new Recorder[clients];
        var sockets = new ReconnectingWebSocket[clients];
        for (var i = 0; i < clients; i++)
        {
            recorders[i] = new Recorder();
            sockets[i] = new ReconnectingWebSocket(relay.WebSocketUri(), Fast(seed: i));
            recorders[i].Attach(sockets[i]);
            await sockets[i].StartAsync();
        }

        try
        {
            await Eventually.Within(Task.WhenAll(sockets.Select(s => s.WaitForConnectionAsync())), "all connected");

            var watch = Stopwatch.StartNew();
            relay.RefuseNew = true;
            relay.CutAll();
            await Eventually.True(() => recorders.All(r => r.Reconnects.Count >= 3), "clients retry while the server is down");
            for (var i = 0; i < clients; i++)
            {
                Assert.True(await sockets[i].SendTextAsync($"queued-{i}"));
            }

            relay.RefuseNew = false;
            await Eventually.True(() => recorders.All(r => Volatile.Read(ref r.Connected) >= 2), "all reconnected");
            output.WriteLine($"{clients} clients reconnected {watch.Elapsed.TotalMilliseconds:F0} ms after the cut");
            await Eventually.True(() => Enumerable.Range(0, clients).All(i => server.TextReceived.Contains($"queued-{i}")), "queued messages delivered");

            foreach (var r in recorders)
            {
                var delays = r.Reconnects.ToArray();
                Assert.Equal(Enumerable.Range(1, delays.Length), delays.Select(d => d.Attempt).Take(delays.Length));
                for (var k = 0; k < delays.Length; k++)
                {
                    // Full jitter below a ceiling that doubles from 50 ms to 400 ms.
                    Assert.InRange(delays[k].Delay, TimeSpan.Zero, TimeSpan.FromMilliseconds(Math.Min(400, 50 * Math.Pow(2, delays[k].Attempt - 1))));
                }
            }

            Assert.All(sockets, s => Assert.Equal(0, s.DroppedCount));
        }
        finally
        {
            await Task.WhenAll(sockets.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task Messages_beyond_the_queue_bound_while_disconnected_are_counted_as_dropped()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint) { RefuseNew = true };
        var options = Fast();
        options.Sender = new WebSocketSenderOptions { MaxQueuedMessages = 5, OverflowPolicy = SendOverflowPolicy.DropOldest };
        await using var client = new ReconnectingWebSocket(relay.WebSocketUri(), options);
        await client.StartAsync();
        for (var i = 0; i < 8; i++)
        {
            Assert.True(await client.SendTextAsync($"m{i}"));
        }

        Assert.Equal(3, client.DroppedCount);
        Assert.Equal(5, client.QueuedCount);
        relay.RefuseNew = false;
        await Eventually.True(() => server.TextReceived.Count == 5, "the five newest delivered");
        Assert.Equal(new[] { "m3", "m4", "m5", "m6", "m7" }, server.TextReceived);
    }

    /// <summary>Fault (5): cancellation stops everything with no task left running.</summary>
    [Fact]
    public async Task Stop_while_connected_closes_cleanly_and_leaves_nothing_running()
    {
        await using var server = await WsServer.StartAsync();
        var recorder = new Recorder();
        var client = new ReconnectingWebSocket(server.Uri(), Fast());
        recorder.Attach(client);
        await client.StartAsync();
        await Eventually.Within(client.WaitForConnectionAsync(), "connect");
        Assert.True(await client.SendTextAsync("last words"));
        await Eventually.Within(client.StopAsync(), "stop");
        Assert.True(client.Completion.IsCompletedSuccessfully, client.Completion.Status + " " + client.Completion.Exception);
        Assert.False(client.IsConnected);
        Assert.Contains("last words", server.TextReceived);
        await Eventually.True(() => server.ClosesReceived.Contains(WebSocketCloseStatus.NormalClosure), "server saw a normal close");
        // The channel is completed: reading the rest ends instead of waiting forever.
        var rest = new List<string>();
        await foreach (var m in client.Messages.ReadAllAsync().WithCancellation(new CancellationTokenSource(Eventually.Generous).Token))
        {
            rest.Add(m.GetText());
        }

        Assert.True(client.Messages.Completion.IsCompleted);
        Assert.Equal(1, Volatile.Read(ref recorder.Connected));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendTextAsync("too late"));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Stop_during_backoff_ends_promptly()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint) { RefuseNew = true };
        var options = Fast();
        options.Backoff = new Backoff(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), random: () => 1.0);
        var recorder = new Recorder();
        var client = new ReconnectingWebSocket(relay.WebSocketUri(), options);
        recorder.Attach(client);
        await client.StartAsync();
        await Eventually.True(() => !recorder.Reconnects.IsEmpty, "waiting a minute before retrying");
        Assert.True(await client.SendTextAsync("never sent"));
        var watch = Stopwatch.StartNew();
        await Eventually.Within(client.StopAsync(), "stop", TimeSpan.FromSeconds(10));
        output.WriteLine($"stop during a 60 s backoff took {watch.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(client.Completion.IsCompleted);
        Assert.Equal(1, client.DroppedCount);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Caller_cancellation_of_stop_aborts_at_once()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint);
        var client = new ReconnectingWebSocket(relay.WebSocketUri(), Fast());
        await client.StartAsync();
        await Eventually.Within(client.WaitForConnectionAsync(), "connect");
        // A stalled link: a graceful close could not complete.
        relay.StallExisting();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Eventually.Within(client.StopAsync(cts.Token), "stop", TimeSpan.FromSeconds(10));
        Assert.True(client.Completion.IsCompleted);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Gives_up_after_max_attempts()
    {
        await using var server = await WsServer.StartAsync();
        await using var relay = new TcpRelay(server.EndPoint) { RefuseNew = true };
        var options = Fast();
        options.Backoff = new Backoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), maxAttempts: 3);
        var recorder = new Recorder();
        await using var client = new ReconnectingWebSocket(relay.WebSocketUri(), options);
        recorder.Attach(client);
        await client.StartAsync();
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => client.Completion.WaitAsync(Eventually.Generous));
        Assert.Contains("Gave up", ex.Message);
        Assert.Equal(3, recorder.Reconnects.Count);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.WaitForConnectionAsync());
    }

    [Fact]
    public async Task Oversized_message_from_the_server_closes_with_1009_and_reconnects()
    {
        await using var server = await WsServer.StartAsync();
        server.Handlers["/big"] = async socket =>
        {
            await socket.SendAsync(new byte[100_000], WebSocketMessageType.Binary, true, CancellationToken.None);
            await server.EchoAsync(socket);
        };
        var options = Fast();
        options.MaxMessageSize = 10_000;
        var recorder = new Recorder();
        await using var client = new ReconnectingWebSocket(server.Uri("/big"), options);
        recorder.Attach(client);
        await client.StartAsync();
        await Eventually.True(() => !recorder.Disconnects.IsEmpty, "oversized message rejected");
        Assert.True(recorder.Disconnects.TryPeek(out var reason));
        Assert.Equal(ReceiveLoopOutcome.MessageTooBig, reason.Outcome);
        await Eventually.True(() => server.ClosesReceived.Contains(WebSocketCloseStatus.MessageTooBig), "server saw 1009");
        await Eventually.True(() => Volatile.Read(ref recorder.Connected) >= 2, "reconnected");
    }

    [Fact]
    public void Arguments_are_validated()
    {
        Assert.Equal("uri", Assert.Throws<ArgumentException>(() => new ReconnectingWebSocket(new Uri("http://example.com"))).ParamName);
        Assert.Equal("uri", Assert.Throws<ArgumentException>(() => new ReconnectingWebSocket(new Uri("/relative", UriKind.Relative))).ParamName);
        Assert.Throws<ArgumentException>(() => new ReconnectingWebSocket(new Uri("ws://127.0.0.1:1/"), new ReconnectingWebSocketOptions { ConnectTimeout = TimeSpan.Zero }));
        Assert.ThrowsAny<ArgumentException>(() => new ReconnectingWebSocket(new Uri("ws://127.0.0.1:1/"), new ReconnectingWebSocketOptions { KeepAliveInterval = TimeSpan.Zero }));
        var withCallback = new ReconnectingWebSocket(new Uri("ws://127.0.0.1:1/"), new ReconnectingWebSocketOptions { OnMessage = (_, _) => default });
        Assert.Throws<InvalidOperationException>(() => withCallback.Messages);
    }
}
