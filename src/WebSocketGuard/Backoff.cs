namespace WebSocketGuard;

/// <summary>
/// Capped exponential backoff with full jitter: the delay before retry <c>n</c> (0-based) is uniform in
/// <c>[0, min(maxDelay, initialDelay × factor^n)]</c>. Full jitter spreads clients that failed together,
/// so a server restart is not followed by a synchronized reconnect storm.
/// </summary>
/// <remarks>Instances are immutable and thread-safe; <see cref="GetDelay(int)"/> does not allocate.</remarks>
public sealed class Backoff
{
    /// <summary>The first retry's upper bound when none is given: 1 second.</summary>
    public static readonly TimeSpan DefaultInitialDelay = TimeSpan.FromSeconds(1);

    /// <summary>The cap on any delay when none is given: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    // A cached delegate: a method group converted per call would allocate.
    private static readonly Func<double> SharedRandom = static () => Random.Shared.NextDouble();

    private readonly double _initialTicks;
    private readonly double _maxTicks;
    private readonly Func<double> _random;

    /// <summary>Creates a backoff policy.</summary>
    /// <param name="initialDelay">Upper bound of the first retry's delay; 1 s when null. Must be positive.</param>
    /// <param name="maxDelay">Cap on every delay; 30 s when null. Must be at least <paramref name="initialDelay"/>.</param>
    /// <param name="factor">Growth per attempt; 2 by default. Must be finite and at least 1.</param>
    /// <param name="maxAttempts">Retries allowed; unlimited when null. Must not be negative.</param>
    /// <param name="timeProvider">Clock for <see cref="DelayAsync"/>; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="random">Source of uniform values in [0, 1) for the jitter (seed it in tests); <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside the range given above.</exception>
    public Backoff(TimeSpan? initialDelay = null, TimeSpan? maxDelay = null, double factor = 2.0, int? maxAttempts = null, TimeProvider? timeProvider = null, Func<double>? random = null)
    {
        var initial = initialDelay ?? DefaultInitialDelay;
        var max = maxDelay ?? DefaultMaxDelay;
        if (initial <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(initialDelay), initial, "The initial delay must be positive.");
        }

        if (max < initial)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), max, $"The maximum delay must be at least the initial delay ({initial}).");
        }

        if (double.IsNaN(factor) || double.IsInfinity(factor) || factor < 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be a finite number of at least 1; below 1 the delays would shrink.");
        }

        if (maxAttempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxAttempts), maxAttempts, "The maximum number of attempts must not be negative; pass null for no limit.");
        }

        InitialDelay = initial;
        MaxDelay = max;
        Factor = factor;
        MaxAttempts = maxAttempts;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _random = random ?? SharedRandom;
        _initialTicks = initial.Ticks;
        _maxTicks = max.Ticks;
    }

    /// <summary>The recommended policy: 1 s doubling to a 30 s cap, full jitter, unlimited retries.</summary>
    public static Backoff Default { get; } = new();

    /// <summary>Upper bound of the first retry's delay.</summary>
    public TimeSpan InitialDelay { get; }

    /// <summary>Cap on every delay.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>Growth of the upper bound per attempt.</summary>
    public double Factor { get; }

    /// <summary>Retries allowed, or null for no limit.</summary>
    public int? MaxAttempts { get; }

    /// <summary>The clock <see cref="DelayAsync"/> waits on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The upper bound of the delay before retry <paramref name="attempt"/>, before jitter.</summary>
    /// <param name="attempt">0 for the first retry.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is negative.</exception>
    public TimeSpan GetMaxDelay(int attempt)
    {
        ThrowIfNegative(attempt);
        return TimeSpan.FromTicks((long)Ceiling(attempt));
    }

    /// <summary>The jittered delay before retry <paramref name="attempt"/>: uniform in [0, <see cref="GetMaxDelay(int)"/>].</summary>
    /// <param name="attempt">0 for the first retry.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The random source returned a value outside [0, 1].</exception>
    public TimeSpan GetDelay(int attempt)
    {
        ThrowIfNegative(attempt);
        var r = _random();
        if (!(r >= 0.0 && r <= 1.0))
        {
            throw new InvalidOperationException($"The random source returned {r}; it must return values in [0, 1].");
        }

        return TimeSpan.FromTicks((long)(Ceiling(attempt) * r));
    }

    /// <summary>Whether retry <paramref name="attempt"/> (0-based) is allowed by <see cref="MaxAttempts"/>.</summary>
    public bool CanRetry(int attempt) => attempt >= 0 && (MaxAttempts is not { } max || attempt < max);

    /// <summary>Waits the jittered delay for retry <paramref name="attempt"/> on <see cref="TimeProvider"/>.</summary>
    /// <param name="attempt">0 for the first retry.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <exception cref="InvalidOperationException">The attempt is beyond <see cref="MaxAttempts"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask DelayAsync(int attempt, CancellationToken cancellationToken = default)
    {
        ThrowIfNegative(attempt);
        if (!CanRetry(attempt))
        {
            throw new InvalidOperationException($"Retry attempt {attempt} is not allowed: the backoff permits at most {MaxAttempts} retries. Check CanRetry before waiting.");
        }

        var delay = GetDelay(attempt);
        if (delay <= TimeSpan.Zero)
        {
            return cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : default;
        }

        return new ValueTask(Task.Delay(delay, TimeProvider, cancellationToken));
    }

    private double Ceiling(int attempt)
    {
        // Math.Pow in doubles cannot overflow into negative ticks; Min caps it before the cast.
        var grown = _initialTicks * Math.Pow(Factor, attempt);
        return double.IsNaN(grown) ? _maxTicks : Math.Min(grown, _maxTicks);
    }

    private static void ThrowIfNegative(int attempt)
    {
        if (attempt < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(attempt), attempt, "The attempt number must not be negative; 0 is the first retry.");
        }
    }
}
