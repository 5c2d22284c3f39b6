using Microsoft.Extensions.Time.Testing;

namespace WebSocketGuard.Tests;

public class BackoffTests
{
    [Fact]
    public void Ceiling_doubles_from_one_second_to_the_thirty_second_cap()
    {
        var backoff = new Backoff(random: () => 1.0);
        var seconds = Enumerable.Range(0, 8).Select(a => backoff.GetDelay(a).TotalSeconds).ToArray();
        Assert.Equal(new double[] { 1, 2, 4, 8, 16, 30, 30, 30 }, seconds);
    }

    [Fact]
    public void Full_jitter_scales_the_ceiling_uniformly()
    {
        Assert.Equal(TimeSpan.Zero, new Backoff(random: () => 0.0).GetDelay(3));
        Assert.Equal(TimeSpan.FromSeconds(4), new Backoff(random: () => 0.5).GetDelay(3));
        Assert.Equal(TimeSpan.FromMilliseconds(250), new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), factor: 5, random: () => 0.5).GetDelay(1));
    }

    [Fact]
    public void Default_delays_stay_within_their_bounds()
    {
        var backoff = Backoff.Default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var delay = backoff.GetDelay(attempt);
            Assert.InRange(delay, TimeSpan.Zero, backoff.GetMaxDelay(attempt));
            Assert.True(delay <= TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Huge_attempt_numbers_do_not_overflow()
    {
        var backoff = new Backoff(random: () => 1.0);
        Assert.Equal(TimeSpan.FromSeconds(30), backoff.GetDelay(int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(30), new Backoff(factor: 1e300, random: () => 1.0).GetDelay(5));
    }

    [Fact]
    public void Factor_one_gives_a_constant_ceiling()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(2), factor: 1, random: () => 1.0);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.GetDelay(10));
    }

    [Theory]
    [InlineData(0, null, 2.0, null, "initialDelay")]
    [InlineData(-5, null, 2.0, null, "initialDelay")]
    [InlineData(1000, 500, 2.0, null, "maxDelay")]
    [InlineData(1000, null, 0.5, null, "factor")]
    [InlineData(1000, null, double.NaN, null, "factor")]
    [InlineData(1000, null, double.PositiveInfinity, null, "factor")]
    [InlineData(1000, null, 2.0, -1, "maxAttempts")]
    public void Bad_arguments_name_the_parameter(int initialMs, int? maxMs, double factor, int? maxAttempts, string parameter)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new Backoff(TimeSpan.FromMilliseconds(initialMs), maxMs is { } m ? TimeSpan.FromMilliseconds(m) : null, factor, maxAttempts));
        Assert.Equal(parameter, ex.ParamName);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Fact]
    public void Negative_attempt_is_rejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Default.GetDelay(-1));
        Assert.Equal("attempt", ex.ParamName);
        Assert.False(Backoff.Default.CanRetry(-1));
    }

    [Fact]
    public void Random_source_out_of_range_is_reported()
    {
        var backoff = new Backoff(random: () => 1.5);
        var ex = Assert.Throws<InvalidOperationException>(() => backoff.GetDelay(0));
        Assert.Contains("1.5", ex.Message);
        Assert.Throws<InvalidOperationException>(() => new Backoff(random: () => double.NaN).GetDelay(0));
    }

    [Fact]
    public void CanRetry_stops_at_max_attempts()
    {
        var backoff = new Backoff(maxAttempts: 3);
        Assert.True(backoff.CanRetry(0));
        Assert.True(backoff.CanRetry(2));
        Assert.False(backoff.CanRetry(3));
        Assert.True(Backoff.Default.CanRetry(1_000_000));
        Assert.False(new Backoff(maxAttempts: 0).CanRetry(0));
    }

    [Fact]
    public async Task DelayAsync_beyond_max_attempts_throws_a_clear_error()
    {
        var backoff = new Backoff(maxAttempts: 2);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await backoff.DelayAsync(2));
        Assert.Contains("at most 2", ex.Message);
    }

    [Fact]
    public async Task DelayAsync_waits_on_the_time_provider()
    {
        var time = new FakeTimeProvider();
        var backoff = new Backoff(timeProvider: time, random: () => 1.0);
        var wait = backoff.DelayAsync(2).AsTask();
        time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task DelayAsync_honours_cancellation()
    {
        var time = new FakeTimeProvider();
        var backoff = new Backoff(timeProvider: time, random: () => 1.0);
        using var cts = new CancellationTokenSource();
        var wait = backoff.DelayAsync(0, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.True(new Backoff(random: () => 0.0).DelayAsync(0, cts.Token).IsCanceled);
    }

    [Fact]
    public void GetDelay_does_not_allocate()
    {
        var backoff = new Backoff(random: new Random(1).NextDouble);
        backoff.GetDelay(1);
        Backoff.Default.GetDelay(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            backoff.GetDelay(i % 10);
            Backoff.Default.GetDelay(i % 10);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// 200 clients dropped at the same instant retry against a server that is down for 5 s, each with its own seeded jitter.
    /// Full jitter must keep any 100 ms window to at most a quarter of all attempts (no synchronized storm).
    /// </summary>
    [Fact]
    public void Two_hundred_clients_dropped_together_spread_their_reconnects()
    {
        var seeds = new Random(20261126);
        var attempts = new List<double>();
        var serverUpAtMs = 5000.0;
        for (var client = 0; client < 200; client++)
        {
            var rng = new Random(seeds.Next());
            var backoff = new Backoff(random: rng.NextDouble);
            var t = 0.0;
            for (var attempt = 0; ; attempt++)
            {
                t += backoff.GetDelay(attempt).TotalMilliseconds;
                attempts.Add(t);
                if (t >= serverUpAtMs)
                {
                    break;
                }
            }
        }

        attempts.Sort();
        var worst = 0;
        for (int start = 0, end = 0; start < attempts.Count; start++)
        {
            while (end < attempts.Count && attempts[end] < attempts[start] + 100)
            {
                end++;
            }

            worst = Math.Max(worst, end - start);
        }

        Assert.True(worst <= attempts.Count / 4, $"{worst} of {attempts.Count} attempts fell in one 100 ms window");
        // The first retries alone: 200 clients over [0, 1 s] also stay spread out.
        var first = attempts.Take(200).ToArray();
        Assert.True(first.Max() - first.Min() > 500, "first retries should spread over most of the first second");
    }

    [Fact]
    public async Task Two_hundred_clients_on_fake_time_wake_in_spread_batches()
    {
        var time = new FakeTimeProvider();
        var seeds = new Random(7);
        var waits = new List<Task>();
        var wakeTimes = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        var start = time.GetUtcNow();
        for (var i = 0; i < 200; i++)
        {
            var backoff = new Backoff(timeProvider: time, random: new Random(seeds.Next()).NextDouble);
            waits.Add(backoff.DelayAsync(0).AsTask().ContinueWith(_ => wakeTimes.Add(time.GetUtcNow() - start), TaskContinuationOptions.ExecuteSynchronously));
        }

        for (var step = 0; step < 11; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10));
        var perWindow = wakeTimes.GroupBy(t => (int)(t.TotalMilliseconds / 100)).Select(g => g.Count()).ToArray();
        Assert.Equal(200, wakeTimes.Count);
        Assert.True(perWindow.Max() <= 50, $"a 100 ms window woke {perWindow.Max()} of 200 clients");
    }
}
