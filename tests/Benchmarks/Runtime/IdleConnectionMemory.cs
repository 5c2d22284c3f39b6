using System.Net.WebSockets;
using WebSocketGuard;

namespace Benchmarks.Runtime;

/// <summary>
/// Managed memory held by idle connections with a pending read: a raw loop with a 4 KiB buffer per connection (the common
/// pattern) against WebSocketMessageReader, which waits with a zero-byte read and holds no buffer while idle.
/// Not a BenchmarkDotNet benchmark: it measures retained heap, not time. Run with <c>dotnet run -c Release -- idle-memory</c>.
/// </summary>
internal static class IdleConnectionMemory
{
    private const int Connections = 500;

    public static async Task RunAsync()
    {
        Console.WriteLine($"| variant | retained bytes per idle connection ({Connections} connections, pending read) |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| raw ReceiveAsync, 4 KiB buffer each | {await MeasureAsync(raw: true):N0} |");
        Console.WriteLine($"| WebSocketMessageReader (64 KiB limit) | {await MeasureAsync(raw: false):N0} |");
    }

    private static async Task<long> MeasureAsync(bool raw)
    {
        var pairs = new List<LoopbackPair>();
        for (var i = 0; i < Connections; i++)
        {
            pairs.Add(await LoopbackPair.CreateAsync());
        }

        // Warm the read path once per variant so JIT and pool set-up are not counted.
        using (var warm = await LoopbackPair.CreateAsync())
        using (var warmReader = new WebSocketMessageReader(warm.Client))
        {
            Task read = raw ? warm.Client.ReceiveAsync(new byte[4096].AsMemory(), CancellationToken.None).AsTask() : warmReader.ReadAsync().AsTask();
            await warm.Server.SendAsync(new byte[16], WebSocketMessageType.Binary, true, CancellationToken.None);
            await read;
        }

        var before = Settle();
        var pending = new List<Task>(Connections);
        var readers = new List<WebSocketMessageReader>();
        foreach (var pair in pairs)
        {
            if (raw)
            {
                pending.Add(pair.Client.ReceiveAsync(new byte[4096].AsMemory(), CancellationToken.None).AsTask());
            }
            else
            {
                var reader = new WebSocketMessageReader(pair.Client);
                readers.Add(reader);
                pending.Add(reader.ReadAsync().AsTask());
            }
        }

        await Task.Delay(200);
        var after = Settle();
        GC.KeepAlive(pending);
        GC.KeepAlive(readers);
        foreach (var pair in pairs)
        {
            pair.Dispose();
        }

        await Task.WhenAll(pending.Select(p => p.ContinueWith(_ => { })));
        return (after - before) / Connections;
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
