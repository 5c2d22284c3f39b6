namespace WebSocketGuard;

/// <summary>What <see cref="WebSocketSender"/> does with a message when its queue is full.</summary>
public enum SendOverflowPolicy
{
    /// <summary>Wait up to <see cref="WebSocketSenderOptions.WaitTimeout"/> for room; then drop the new message (counted) and return false.</summary>
    Wait,

    /// <summary>Evict the oldest queued messages (counted) to make room; suits streams where only the latest state matters.</summary>
    DropOldest,

    /// <summary>Drop the new message (counted) and return false.</summary>
    DropNewest,

    /// <summary>Abort the connection: a peer that cannot keep up is cut off; everything queued is counted as dropped.</summary>
    DisconnectSlowConsumer,
}

/// <summary>Bounds and behaviour of a <see cref="WebSocketSender"/>. Defaults: 1,024 messages or 1 MiB, wait 5 s, send timeout 10 s.</summary>
public sealed class WebSocketSenderOptions
{
    /// <summary>Most messages queued at once; 1,024 by default. Must be positive.</summary>
    public int MaxQueuedMessages { get; set; } = 1024;

    /// <summary>Most payload bytes queued at once; 1 MiB by default. Must be positive. A single message larger than this is never accepted.</summary>
    public long MaxQueuedBytes { get; set; } = 1024 * 1024;

    /// <summary>What to do when the queue is full; <see cref="SendOverflowPolicy.Wait"/> by default.</summary>
    public SendOverflowPolicy OverflowPolicy { get; set; } = SendOverflowPolicy.Wait;

    /// <summary>How long <see cref="SendOverflowPolicy.Wait"/> waits for room; 5 s by default. Must be positive and finite.</summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest one socket send may take (a send that exceeds it aborts the socket), and how long disposal drains; 10 s by default. Must be positive and finite.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal WebSocketSenderOptions Validated()
    {
        if (MaxQueuedMessages <= 0)
        {
            throw new ArgumentException($"MaxQueuedMessages must be positive (was {MaxQueuedMessages}).", "options");
        }

        if (MaxQueuedBytes <= 0)
        {
            throw new ArgumentException($"MaxQueuedBytes must be positive (was {MaxQueuedBytes}).", "options");
        }

        if (!Enum.IsDefined(OverflowPolicy))
        {
            throw new ArgumentException($"OverflowPolicy {(int)OverflowPolicy} is not a SendOverflowPolicy value.", "options");
        }

        if (WaitTimeout <= TimeSpan.Zero || WaitTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"WaitTimeout must be positive and finite (was {WaitTimeout}); waiting forever hides a stuck peer.", "options");
        }

        if (SendTimeout <= TimeSpan.Zero || SendTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"SendTimeout must be positive and finite (was {SendTimeout}); a send without a bound can hang forever.", "options");
        }

        // A snapshot, so changing the options object later cannot break a running sender.
        return (WebSocketSenderOptions)MemberwiseClone();
    }
}
