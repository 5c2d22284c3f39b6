using BenchmarkDotNet.Attributes;
using WebSocketGuard;

namespace Benchmarks.Runtime;

/// <summary>Backoff.GetDelay must not allocate.</summary>
[MemoryDiagnoser]
public class BackoffBenchmarks
{
    private readonly Backoff _seeded = new(random: new Random(42).NextDouble);
    private int _attempt;

    [Benchmark(Baseline = true)]
    public TimeSpan DefaultGetDelay() => Backoff.Default.GetDelay(_attempt++ & 7);

    [Benchmark]
    public TimeSpan SeededGetDelay() => _seeded.GetDelay(_attempt++ & 7);
}
