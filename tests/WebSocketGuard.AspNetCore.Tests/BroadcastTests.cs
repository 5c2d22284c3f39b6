using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using WebSocketGuard.AspNetCore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace WebSocketGuard.AspNetCore.Tests;

/// <summary>
/// 1,000 real connections get a broadcast while 10 of them never read: the readers get every message promptly, the
/// non-readers are bounded by their own sender and cut off by its policy, and the registry empties at the end.
/// </summary>
public sealed class BroadcastTests(ITestOutputHelper output)
{
    private const int Connections = 1000;
    private const int Messages = 400;
    private const int MessageSize = 1024;
    private const int MaxQueuedBytes = 64 * 1024;

    /// <summary>The broadcaster stays at most this many messages ahead of the slowest reader (a paced feed, not a flood).</summary>
    private const int Window = 16;

    /// <param name="nonReaders">10 for the test proper; 0 for a control run whose figures show what "unaffected" looks like.</param>
    [Theory]
    [InlineData(10)]
    [InlineData(0)]
    public async Task BroadcastTo1000_WithNonReaders_StaysBounded_AndReadersAreUnaffected(int nonReaders)
    {
        var fdLimit = FileDescriptors.EnsureAtLeast(8192);
        Assert.True(fdLimit >= 4 * Connections + 200, $"The open-file limit is {fdLimit}; this test needs about {3 * Connections}.");

        // 2,000 sockets on 2 cores: start with enough pool threads that a burst of handshakes never waits for thread injection.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));

        await using var app = await TestApp.StartAsync(
            a => a.MapWebSocket("/feed", async c =>
            {
                if (c.HttpContext.Request.Query.ContainsKey("idle"))
                {
                    c.JoinGroup("idle");
                }

                await Handlers.Listen(c);
            }, o =>
            {
                Handlers.Trusted(o);
                o.MaxConnections = 2 * Connections;
                o.Sender = new WebSocketSenderOptions
                {
                    MaxQueuedMessages = 1024,
                    MaxQueuedBytes = MaxQueuedBytes,
                    OverflowPolicy = SendOverflowPolicy.DisconnectSlowConsumer,
                };
            }),
            listen: l => l.Use(next => context =>
            {
                // Small kernel buffers, so a client that does not read backs up into its sender within a few hundred KiB.
                if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
                {
                    socket.SendBufferSize = 16 * 1024;
                }

                return next(context);
            }));

        using var idleHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var idleInvoker = new HttpMessageInvoker(idleHandler);

        // Connect: every 100th client is a non-reader.
        var clock = Stopwatch.StartNew();
        var clients = new ClientWebSocket[Connections];
        var isIdle = new bool[Connections];
        var connectMs = new double[Connections];
        using (var gate = new SemaphoreSlim(32))
        {
            await Task.WhenAll(Enumerable.Range(0, Connections).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    isIdle[i] = nonReaders > 0 && i % (Connections / nonReaders) == 0;
                    var started = Stopwatch.GetTimestamp();
                    var (socket, status) = await app.ConnectAsync(isIdle[i] ? "/feed?idle=1" : "/feed", user: $"user{i}", invoker: isIdle[i] ? idleInvoker : null);
                    Assert.Equal(101, status);
                    clients[i] = socket;
                    connectMs[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Eventually.True(() => app.Registry.Count == Connections, "all connections to register");
        Assert.Equal(nonReaders, app.Registry.GroupCount("idle"));
        var connectTime = clock.Elapsed;

        var readers = Enumerable.Range(0, Connections).Where(i => !isIdle[i]).ToArray();
        var progress = new int[Connections];
        var latencies = readers.ToDictionary(i => i, _ => new long[Messages]);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var idleConnections = app.Registry.GetGroup("idle").ToArray();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var reading = readers.Select(i => Task.Run(() => ReadAllAsync(clients[i], i, progress, latencies[i], failures, stop.Token))).ToArray();

        // Sample memory while broadcasting.
        long peakHeap = heapBefore, peakQueuedTotal = 0, peakQueuedOne = 0, peakIdleQueued = 0;
        var sampling = true;
        var sampler = Task.Run(async () =>
        {
            while (Volatile.Read(ref sampling))
            {
                long total = 0, one = 0;
                foreach (var c in app.Registry.GetConnections())
                {
                    var q = c.Sender.QueuedBytes;
                    total += q;
                    one = Math.Max(one, q);
                }

                long idle = 0;
                foreach (var c in idleConnections)
                {
                    idle += c.Sender.QueuedBytes;
                }

                peakQueuedTotal = Math.Max(peakQueuedTotal, total);
                peakQueuedOne = Math.Max(peakQueuedOne, one);
                peakIdleQueued = Math.Max(peakIdleQueued, idle);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                await Task.Delay(20);
            }
        });

        // Broadcast, paced by the readers (never by the non-readers).
        clock.Restart();
        var payload = new byte[MessageSize];
        var queued = 0L;
        var dropped = 0L;
        for (var seq = 0; seq < Messages; seq++)
        {
            while (MinProgress(progress, readers) < seq - Window)
            {
                stop.Token.ThrowIfCancellationRequested();
                await Task.Delay(1);
            }

            BinaryPrimitives.WriteInt32LittleEndian(payload, seq);
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), Stopwatch.GetTimestamp());
            var result = await app.Registry.BroadcastAsync(payload, WebSocketMessageType.Binary, stop.Token);
            queued += result.Queued;
            dropped += result.Dropped;
        }

        var broadcastTime = clock.Elapsed;

        // Live memory with every queue as full as it gets; the sampled peak also counts garbage not yet collected,
        // which depends on how busy the machine is, so it is reported but not asserted.
        var liveAfterBroadcast = GC.GetTotalMemory(forceFullCollection: true);
        await Eventually.Within(Task.WhenAll(reading), "every reader to receive every message", TimeSpan.FromSeconds(150));
        var deliveredTime = clock.Elapsed;
        Volatile.Write(ref sampling, false);
        await sampler;

        Assert.Empty(failures);
        Assert.All(readers, i => Assert.Equal(Messages, progress[i]));

        // The non-readers backed up into their own bounded senders and were cut off by the policy; nobody else was.
        await Eventually.True(() => app.Registry.GroupCount("idle") == 0, "the non-readers to be disconnected by their overflow policy");
        Assert.All(idleConnections, c => Assert.True(c.Sender.DroppedCount > 0));
        Assert.Equal(Connections - nonReaders, app.Registry.Count);
        Assert.All(app.Registry.GetConnections(), c => Assert.Equal(0, c.Sender.DroppedCount));
        Assert.InRange(peakQueuedOne, 0, MaxQueuedBytes);
        Assert.InRange(peakIdleQueued, 0, nonReaders * MaxQueuedBytes);

        var all = latencies.Values.SelectMany(l => l).Select(t => t * 1000.0 / Stopwatch.Frequency).OrderBy(ms => ms).ToArray();
        var p50 = all[all.Length / 2];
        var p99 = all[(int)(all.Length * 0.99)];
        var max = all[^1];
        var heapGrowth = peakHeap - heapBefore;
        var figures =
            $"broadcast: {Connections} connections ({nonReaders} never read), {Messages} messages x {MessageSize} B, window {Window}\n" +
            $"  connect {connectTime.TotalSeconds:F1} s (slowest handshake {connectMs.Max():F0} ms, {connectMs.Count(ms => ms > 900)} over 900 ms); broadcast {broadcastTime.TotalSeconds:F2} s; all readers done {deliveredTime.TotalSeconds:F2} s\n" +
            $"  enqueued {queued}, refused {dropped}{(nonReaders > 0 ? " (non-readers cut off by DisconnectSlowConsumer)" : "")}\n" +
            $"  reader latency p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms over {all.Length} deliveries\n" +
            $"  peak queued bytes: all senders {peakQueuedTotal / 1024} KiB, one sender {peakQueuedOne / 1024} KiB (bound {MaxQueuedBytes / 1024} KiB), non-readers {peakIdleQueued / 1024} KiB\n" +
            $"  managed heap: {heapBefore / (1024 * 1024)} MiB before, peak +{heapGrowth / (1024 * 1024)} MiB during the broadcast (garbage included), live +{(liveAfterBroadcast - heapBefore) / (1024 * 1024)} MiB after it";
        output.WriteLine(figures);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, $"broadcast-figures-{nonReaders}.txt"), figures + "\n");

        // Bounded: whatever the heap does is far below what 1,000 unbounded queues of the whole feed would be.
        Assert.True(liveAfterBroadcast - heapBefore < 256L * 1024 * 1024, $"The live heap grew by {(liveAfterBroadcast - heapBefore) / (1024 * 1024)} MiB.");

        // Everyone leaves; the registry empties.
        using (var gate = new SemaphoreSlim(64))
        {
            await Task.WhenAll(clients.Select(async c =>
            {
                await gate.WaitAsync();
                try
                {
                    if (c.State == WebSocketState.Open)
                    {
                        await TestApp.CloseAsync(c);
                    }
                }
                finally
                {
                    gate.Release();
                    c.Dispose();
                }
            }));
        }

        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.ReservedCount == 0, "the registry to empty after everyone disconnected");
    }

    private static int MinProgress(int[] progress, int[] readers)
    {
        var min = int.MaxValue;
        foreach (var i in readers)
        {
            min = Math.Min(min, Volatile.Read(ref progress[i]));
        }

        return min;
    }

    private static async Task ReadAllAsync(ClientWebSocket socket, int index, int[] progress, long[] latencies, System.Collections.Concurrent.ConcurrentQueue<string> failures, CancellationToken cancellationToken)
    {
        var buffer = new byte[MessageSize];
        try
        {
            for (var expected = 0; expected < Messages; expected++)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        failures.Enqueue($"reader {index} was closed ({socket.CloseStatus}) after {expected} messages");
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage);

                var seq = BinaryPrimitives.ReadInt32LittleEndian(buffer);
                latencies[expected] = Stopwatch.GetTimestamp() - BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(4));
                if (seq != expected || count != MessageSize)
                {
                    failures.Enqueue($"reader {index} got message {seq} ({count} B) where {expected} was due");
                    return;
                }

                Volatile.Write(ref progress[index], expected + 1);
            }
        }
        catch (Exception ex)
        {
            failures.Enqueue($"reader {index} failed: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
