using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using WebSocketGuard;

namespace Benchmarks.Runtime;

/// <summary>WebSocketMessageReader against a raw ReceiveAsync loop into a reused buffer; one operation is one message read.</summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private const int Batch = 1000;

    private LoopbackPair _rawPair = null!;
    private LoopbackPair _readerPair = null!;
    private WebSocketMessageReader _reader = null!;
    private byte[] _payload = null!;
    private readonly byte[] _rawBuffer = new byte[64 * 1024];

    [Params(32, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _payload = new byte[Size];
        _rawPair = await LoopbackPair.CreateAsync();
        _readerPair = await LoopbackPair.CreateAsync();
        _reader = new WebSocketMessageReader(_readerPair.Client);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader.Dispose();
        _rawPair.Dispose();
        _readerPair.Dispose();
    }

    private async Task ProduceAsync(WebSocket server)
    {
        for (var i = 0; i < Batch; i++)
        {
            await server.SendAsync(_payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task RawReceiveLoop()
    {
        var producing = ProduceAsync(_rawPair.Server);
        for (var i = 0; i < Batch; i++)
        {
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _rawPair.Client.ReceiveAsync(_rawBuffer.AsMemory(), CancellationToken.None);
            }
            while (!result.EndOfMessage);
        }

        await producing;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task WebSocketMessageReaderReadAsync()
    {
        var producing = ProduceAsync(_readerPair.Server);
        for (var i = 0; i < Batch; i++)
        {
            await _reader.ReadAsync();
        }

        await producing;
    }
}
