using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using WebSocketGuard;

namespace Benchmarks.Runtime;

/// <summary>
/// WebSocketSender against the plain awaited SendAsync loop on the same kind of loopback socket. One operation is one
/// message. Burst: 1,000 messages offered at once, then wait until the peer has all of them (the queue runs deep, so
/// pooled buffers can run out). Paced: batches of 16, each waited for (the steady state of a producer slower than the link).
/// </summary>
[MemoryDiagnoser]
public class SenderThroughputBenchmarks
{
    private const int Batch = 1000;
    private const int PacedBatch = 16;
    private const int PacedRounds = 63;

    private LoopbackPair _plainPair = null!;
    private LoopbackPair _senderPair = null!;
    private CountingSink _plainSink = null!;
    private CountingSink _senderSink = null!;
    private WebSocketSender _sender = null!;
    private byte[] _payload = null!;

    [Params(32, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _payload = new byte[Size];
        _plainPair = await LoopbackPair.CreateAsync();
        _senderPair = await LoopbackPair.CreateAsync();
        _plainSink = new CountingSink(_plainPair.Server);
        _senderSink = new CountingSink(_senderPair.Server);
        _sender = new WebSocketSender(_senderPair.Client);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _sender.DisposeAsync();
        _plainPair.Dispose();
        _senderPair.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task PlainAwaitedSendAsync()
    {
        var done = _plainSink.WaitFor(Batch);
        for (var i = 0; i < Batch; i++)
        {
            await _plainPair.Client.SendAsync(_payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        await done;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WebSocketSenderSendAsync()
    {
        var done = _senderSink.WaitFor(Batch);
        for (var i = 0; i < Batch; i++)
        {
            await _sender.SendAsync(_payload);
        }

        await done;
    }

    [Benchmark(OperationsPerInvoke = PacedBatch * PacedRounds)]
    public async Task PlainAwaitedSendAsync_Paced()
    {
        for (var round = 0; round < PacedRounds; round++)
        {
            var done = _plainSink.WaitFor(PacedBatch);
            for (var i = 0; i < PacedBatch; i++)
            {
                await _plainPair.Client.SendAsync(_payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            }

            await done;
        }
    }

    [Benchmark(OperationsPerInvoke = PacedBatch * PacedRounds)]
    public async Task WebSocketSenderSendAsync_Paced()
    {
        for (var round = 0; round < PacedRounds; round++)
        {
            var done = _senderSink.WaitFor(PacedBatch);
            for (var i = 0; i < PacedBatch; i++)
            {
                await _sender.SendAsync(_payload);
            }

            await done;
        }
    }
}
