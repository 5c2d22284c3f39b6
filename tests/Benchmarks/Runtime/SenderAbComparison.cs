using System.Diagnostics;
using System.Net.WebSockets;
using WebSocketGuard;

namespace Benchmarks.Runtime;

/// <summary>
/// Interleaved A/B throughput runs of the plain awaited loop and WebSocketSender. On a shared, loaded machine the
/// median of many interleaved rounds is steadier than separate benchmark processes. Run with <c>-- sender-ab</c>.
/// </summary>
internal static class SenderAbComparison
{
    private const int Messages = 2000;
    private const int Rounds = 21;

    public static async Task RunAsync()
    {
        Console.WriteLine($"| size | plain awaited SendAsync (msg/s, median of {Rounds}) | WebSocketSender (msg/s) | sender / plain (median of per-round ratios) | sender alloc B/msg (after warm-up) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var size in new[] { 32, 4096 })
        {
            using var plainPair = await LoopbackPair.CreateAsync();
            using var senderPair = await LoopbackPair.CreateAsync();
            var plainSink = new CountingSink(plainPair.Server);
            var senderSink = new CountingSink(senderPair.Server);
            var sender = new WebSocketSender(senderPair.Client, new WebSocketSenderOptions { MaxQueuedMessages = Messages, MaxQueuedBytes = long.Parse(Environment.GetEnvironmentVariable("QB") ?? "1048576") });
            var payload = new byte[size];
            var plain = new List<double>();
            var guarded = new List<double>();
            var ratios = new List<double>();
            long allocated = 0;
            for (var round = -3; round < Rounds; round++)
            {
                var p = await TimeAsync(async () =>
                {
                    var done = plainSink.WaitFor(Messages);
                    for (var i = 0; i < Messages; i++)
                    {
                        await plainPair.Client.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
                    }

                    await done;
                });
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var s = await TimeAsync(async () =>
                {
                    var done = senderSink.WaitFor(Messages);
                    for (var i = 0; i < Messages; i++)
                    {
                        await sender.SendAsync(payload);
                    }

                    await done;
                });
                if (round >= 0)
                {
                    allocated += GC.GetTotalAllocatedBytes(precise: true) - before;
                    plain.Add(Messages / p);
                    guarded.Add(Messages / s);
                    ratios.Add(p / s);
                }
            }

            await sender.DisposeAsync();
            Console.WriteLine($"| {size} B | {Median(plain):N0} | {Median(guarded):N0} | {Median(ratios):P0} | {(double)allocated / (Rounds * Messages):F1} |");
        }
    }

    private static async Task<double> TimeAsync(Func<Task> run)
    {
        var watch = Stopwatch.StartNew();
        await run();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }
}
