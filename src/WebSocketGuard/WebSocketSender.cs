using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Tasks.Sources;

namespace WebSocketGuard;

/// <summary>
/// The only writer of a socket: a queue bounded by message count and bytes, drained by one loop, so there are never
/// two sends at once and a slow peer cannot make memory grow without limit.
/// </summary>
/// <remarks>
/// <para><see cref="SendAsync"/> copies the payload into pooled 64 KiB chunks (small messages share a chunk) and returns once the message is queued
/// (<see langword="true"/>) or rejected by the overflow policy (<see langword="false"/>, counted in <see cref="DroppedCount"/>).
/// Every accepted message is either sent or counted as dropped.</para>
/// <para>Each socket send is bounded by <see cref="WebSocketSenderOptions.SendTimeout"/>; a send that exceeds it aborts the socket
/// and ends the sender with a faulted <see cref="Completion"/>.</para>
/// </remarks>
public sealed class WebSocketSender : IAsyncDisposable
{
    private const string DropReasonPolicy = "overflow_policy";
    private const string DropReasonTooBig = "larger_than_queue";
    private const string DropReasonStopped = "sender_stopped";
    private const string DropReasonSendFailed = "send_failed";
    private const int ChunkSize = 64 * 1024;

    private readonly WebSocketSenderOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly bool _reattachable;
    private readonly object _lock = new();
    private readonly Queue<Entry> _queue;
    private readonly Stack<Chunk> _spareChunks = new();
    private readonly DrainSignal _signal = new();
    private readonly Task _drain;
    private readonly ITimer _sendWatchdog;

    private Chunk? _current;
    private Exception? _failure;
    private WebSocket? _socket;
    private WebSocket? _inFlightSocket;
    private long _sendStarted;
    private int _watchdogArmed;
    private volatile bool _sendTimedOut;
    private TaskCompletionSource? _spaceAvailable;
    private long _queuedBytes;
    private long _dropped;
    private bool _drainWaiting;
    private bool _completing;
    private bool _stopped;

    /// <summary>Creates a sender that owns all writes to <paramref name="socket"/>.</summary>
    /// <param name="socket">An open socket; nothing else may send on it.</param>
    /// <param name="options">Bounds and policy; the defaults when null. Copied, so later changes have no effect.</param>
    /// <param name="timeProvider">Clock for the timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public WebSocketSender(WebSocket socket, WebSocketSenderOptions? options = null, TimeProvider? timeProvider = null)
        : this(options, timeProvider, reattachable: false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        // On the thread pool, never on a caller's synchronization context.
        _drain = Task.Run(DrainAsync);
    }

    /// <summary>A sender without a socket yet, for <see cref="ReconnectingWebSocket"/>: sockets come and go, the queue stays.</summary>
    internal WebSocketSender(WebSocketSenderOptions? options, TimeProvider? timeProvider)
        : this(options, timeProvider, reattachable: true)
    {
        _drain = Task.Run(DrainAsync);
    }

    private WebSocketSender(WebSocketSenderOptions? options, TimeProvider? timeProvider, bool reattachable)
    {
        _options = (options ?? new WebSocketSenderOptions()).Validated();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _reattachable = reattachable;
        _queue = new Queue<Entry>(Math.Min(_options.MaxQueuedMessages, 64));
        // One lazily re-armed timer instead of a cancellable token per send: the socket's fast send path needs an uncancellable token.
        _sendWatchdog = _timeProvider.CreateTimer(static s => ((WebSocketSender)s!).OnSendWatchdog(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _drain = Task.CompletedTask;
    }

    /// <summary>Raised (on the drain loop) when a send fails in reattachable mode; the socket has been detached.</summary>
    internal Action<WebSocket, Exception>? SendFailed { get; set; }

    /// <summary>Messages accepted and then not sent, plus messages rejected by the overflow policy.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Messages accepted and waiting to be sent.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Payload bytes accepted and waiting to be sent.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _queuedBytes;
            }
        }
    }

    /// <summary>Whether a pooled chunk is currently held (false once everything accepted was sent); for tests.</summary>
    internal bool HoldsBuffer
    {
        get
        {
            lock (_lock)
            {
                return _current is not null;
            }
        }
    }

    /// <summary>Completes when the drain loop ends after disposal; faults when a send failed or timed out, or the slow consumer was disconnected.</summary>
    public Task Completion => _drain;

    /// <summary>Queues a copy of <paramref name="message"/> for sending.</summary>
    /// <param name="message">The payload; copied before the returned task completes, so the caller may reuse its buffer after awaiting.</param>
    /// <param name="messageType">Binary or Text.</param>
    /// <param name="cancellationToken">Stops a wait for room under <see cref="SendOverflowPolicy.Wait"/>.</param>
    /// <returns><see langword="true"/> when queued; <see langword="false"/> when dropped by the overflow policy, too large for the queue, or the sender has stopped after a failure (all counted).</returns>
    /// <exception cref="ArgumentException"><paramref name="messageType"/> is Close; use <see cref="GracefulClose"/>.</exception>
    /// <exception cref="ObjectDisposedException">The sender was disposed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for room; the message was not queued.</exception>
    public ValueTask<bool> SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType messageType = WebSocketMessageType.Binary, CancellationToken cancellationToken = default)
    {
        if (messageType is not (WebSocketMessageType.Binary or WebSocketMessageType.Text))
        {
            throw new ArgumentException("Only Binary and Text messages can be queued; close with GracefulClose instead.", nameof(messageType));
        }

        return Enqueue(new Payload(message), messageType, cancellationToken);
    }

    /// <summary>Queues <paramref name="text"/> as a UTF-8 Text message.</summary>
    /// <inheritdoc cref="SendAsync(ReadOnlyMemory{byte}, WebSocketMessageType, CancellationToken)"/>
    public ValueTask<bool> SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Enqueue(new Payload(text), WebSocketMessageType.Text, cancellationToken);
    }

    private ValueTask<bool> Enqueue(Payload payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        if (payload.Length > _options.MaxQueuedBytes)
        {
            CountDropped(1, DropReasonTooBig);
            return new ValueTask<bool>(false);
        }

        WebSocket? disconnect = null;
        bool wake;
        lock (_lock)
        {
            if (_completing)
            {
                throw new ObjectDisposedException(nameof(WebSocketSender), "The sender was disposed; no more messages are accepted.");
            }

            if (_stopped)
            {
                CountDropped(1, DropReasonStopped);
                return new ValueTask<bool>(false);
            }

            if (!HasRoom(payload.Length))
            {
                switch (_options.OverflowPolicy)
                {
                    case SendOverflowPolicy.DropNewest:
                        CountDropped(1, DropReasonPolicy);
                        return new ValueTask<bool>(false);
                    case SendOverflowPolicy.DropOldest:
                        while (!HasRoom(payload.Length) && _queue.TryDequeue(out var oldest))
                        {
                            TookFromQueue(oldest);
                            ReleaseLocked(oldest);
                            CountDropped(1, DropReasonPolicy);
                        }

                        break;
                    case SendOverflowPolicy.DisconnectSlowConsumer:
                        CountDropped(1 + DropQueuedLocked(), DropReasonPolicy);
                        disconnect = _socket;
                        if (_reattachable)
                        {
                            _socket = null;
                        }
                        else
                        {
                            _stopped = true;
                            _failure ??= new WebSocketException(WebSocketError.Faulted, $"The peer did not keep up: the send queue held {_options.MaxQueuedMessages} messages or {_options.MaxQueuedBytes} bytes, so the connection was aborted.");
                        }

                        wake = TakeDrainWaiterLocked();
                        goto Disconnect;
                    default:
                        return WaitForRoomAsync(payload, type, cancellationToken);
                }
            }

            AddLocked(CopyInLocked(payload, type));
            wake = TakeDrainWaiterLocked();
        }

        if (wake)
        {
            _signal.Set();
        }

        return new ValueTask<bool>(true);

    Disconnect:
        disconnect?.Abort();
        if (wake)
        {
            _signal.Set();
        }

        return new ValueTask<bool>(false);
    }

    private async ValueTask<bool> WaitForRoomAsync(Payload payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        // The caller's memory stays valid until this completes, so the copy waits until there is room.
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            Task roomTask;
            var wake = false;
            var added = false;
            lock (_lock)
            {
                if (_completing)
                {
                    throw new ObjectDisposedException(nameof(WebSocketSender), "The sender was disposed while waiting for room.");
                }

                if (_stopped)
                {
                    CountDropped(1, DropReasonStopped);
                    return false;
                }

                if (HasRoom(payload.Length))
                {
                    AddLocked(CopyInLocked(payload, type));
                    wake = TakeDrainWaiterLocked();
                    added = true;
                    roomTask = Task.CompletedTask;
                }
                else
                {
                    _spaceAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    roomTask = _spaceAvailable.Task;
                }
            }

            if (added)
            {
                if (wake)
                {
                    _signal.Set();
                }

                return true;
            }

            var remaining = _options.WaitTimeout - _timeProvider.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                CountDropped(1, DropReasonPolicy);
                return false;
            }

            try
            {
                await roomTask.WaitAsync(remaining, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                CountDropped(1, DropReasonPolicy);
                return false;
            }
        }
    }

    private bool HasRoom(int length) =>
        _queue.Count < _options.MaxQueuedMessages && _queuedBytes + length <= _options.MaxQueuedBytes;

    private void AddLocked(Entry entry)
    {
        _queue.Enqueue(entry);
        _queuedBytes += entry.Length;
        WebSocketGuardMetrics.SendQueueDepth.Add(1);
    }

    private void TookFromQueue(Entry entry)
    {
        _queuedBytes -= entry.Length;
        WebSocketGuardMetrics.SendQueueDepth.Add(-1);
    }

    /// <summary>
    /// Copies the payload into the current chunk. Packing messages into 64 KiB pooled chunks keeps the number of rented
    /// arrays small even when thousands of small messages are queued, so the shared pool can keep up without allocating.
    /// </summary>
    private Entry CopyInLocked(in Payload payload, WebSocketMessageType type)
    {
        var length = payload.Length;
        if (length == 0)
        {
            return new Entry(null, 0, 0, type);
        }

        var chunk = _current;
        if (chunk is null || chunk.Buffer.Length - chunk.Written < length)
        {
            if (chunk is not null && chunk.Pending == 0)
            {
                ReleaseChunkLocked(chunk);
            }

            chunk = _spareChunks.TryPop(out var spare) ? spare : new Chunk();
            chunk.Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ChunkSize, length));
            _current = chunk;
        }

        var offset = chunk.Written;
        payload.CopyTo(chunk.Buffer.AsSpan(offset, length));
        chunk.Written = offset + length;
        chunk.Pending++;
        return new Entry(chunk, offset, length, type);
    }

    private void ReleaseLocked(in Entry entry)
    {
        if (entry.Chunk is { } chunk && --chunk.Pending == 0 && (!ReferenceEquals(chunk, _current) || _queue.Count == 0))
        {
            // Give the array back as soon as nothing refers to it: an idle sender holds no buffer.
            ReleaseChunkLocked(chunk);
        }
    }

    private void ReleaseChunkLocked(Chunk chunk)
    {
        if (ReferenceEquals(chunk, _current))
        {
            _current = null;
        }

        ArrayPool<byte>.Shared.Return(chunk.Buffer);
        chunk.Buffer = Array.Empty<byte>();
        chunk.Written = 0;
        if (_spareChunks.Count < 4)
        {
            _spareChunks.Push(chunk);
        }
    }

    private bool TakeDrainWaiterLocked()
    {
        if (!_drainWaiting)
        {
            return false;
        }

        _drainWaiting = false;
        return true;
    }

    private int DropQueuedLocked()
    {
        var count = 0;
        while (_queue.TryDequeue(out var entry))
        {
            TookFromQueue(entry);
            ReleaseLocked(entry);
            count++;
        }

        return count;
    }

    private void CountDropped(long count, string reason)
    {
        if (count > 0)
        {
            Interlocked.Add(ref _dropped, count);
            WebSocketGuardMetrics.RecordDropped(count, reason);
        }
    }

    /// <summary>Points the drain loop at a newly connected socket (reattachable mode).</summary>
    internal void Attach(WebSocket socket)
    {
        bool wake;
        lock (_lock)
        {
            _socket = socket;
            wake = TakeDrainWaiterLocked();
        }

        if (wake)
        {
            _signal.Set();
        }
    }

    /// <summary>Stops sending on <paramref name="socket"/>; queued messages wait for the next <see cref="Attach"/>.</summary>
    internal void Detach(WebSocket socket)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_socket, socket))
            {
                _socket = null;
            }
        }
    }

    private async Task DrainAsync()
    {
        // The sent message's chunk reference is dropped under the next lock we take anyway: one lock per message.
        Entry sent = default;
        var mustRelease = false;
        while (true)
        {
            WebSocket? socket;
            Entry entry;
            TaskCompletionSource? room = null;
            ValueTask wait = default;
            var waiting = false;
            lock (_lock)
            {
                if (mustRelease)
                {
                    mustRelease = false;
                    ReleaseLocked(sent);
                }

                if (_stopped)
                {
                    break;
                }

                socket = _socket;
                if (socket is not null && _queue.TryDequeue(out entry))
                {
                    TookFromQueue(entry);
                    room = _spaceAvailable;
                    _spaceAvailable = null;
                }
                else if (_completing && (_queue.Count == 0 || !_reattachable))
                {
                    break;
                }
                else
                {
                    entry = default;
                    _drainWaiting = true;
                    wait = _signal.Arm();
                    waiting = true;
                }
            }

            if (waiting)
            {
                await wait.ConfigureAwait(false);
                continue;
            }

            room?.TrySetResult();
            try
            {
                StartSendWatchdog(socket!);
                await socket!.SendAsync(entry.Memory, entry.Type, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                WebSocketGuardMetrics.MessagesSent.Add(1);
                WebSocketGuardMetrics.BytesSent.Add(entry.Length);
            }
            catch (Exception ex)
            {
                // The in-flight message may or may not have reached the peer; it was not confirmed sent.
                CountDropped(1, DropReasonSendFailed);
                var failure = _sendTimedOut
                    ? new TimeoutException($"A WebSocket send did not complete within {_options.SendTimeout}; the socket was aborted.", ex)
                    : ex;
                _sendTimedOut = false;
                if (_reattachable && !_stopped)
                {
                    Detach(socket!);
                    SendFailed?.Invoke(socket!, failure);
                    continue;
                }

                lock (_lock)
                {
                    _stopped = true;
                    _failure ??= failure;
                }

                break;
            }
            finally
            {
                Volatile.Write(ref _sendStarted, 0);
                sent = entry;
                mustRelease = true;
            }
        }

        TaskCompletionSource? waiter;
        lock (_lock)
        {
            if (mustRelease)
            {
                ReleaseLocked(sent);
            }

            _stopped = true;
            CountDropped(DropQueuedLocked(), DropReasonStopped);
            waiter = _spaceAvailable;
            _spaceAvailable = null;
        }

        waiter?.TrySetResult();
        _sendWatchdog.Dispose();
        if (_failure is { } error)
        {
            throw error;
        }
    }

    private void StartSendWatchdog(WebSocket socket)
    {
        Volatile.Write(ref _inFlightSocket, socket);
        Volatile.Write(ref _sendStarted, _timeProvider.GetTimestamp());
        if (Volatile.Read(ref _watchdogArmed) == 0 && Interlocked.CompareExchange(ref _watchdogArmed, 1, 0) == 0)
        {
            _sendWatchdog.Change(_options.SendTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnSendWatchdog()
    {
        Volatile.Write(ref _watchdogArmed, 0);
        var started = Volatile.Read(ref _sendStarted);
        if (started == 0)
        {
            // Idle: the next send re-arms.
            return;
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        if (elapsed >= _options.SendTimeout)
        {
            // Cancelling a WebSocket send aborts the socket anyway; abort directly so the stuck send fails now.
            _sendTimedOut = true;
            Volatile.Read(ref _inFlightSocket)?.Abort();
            return;
        }

        if (Interlocked.CompareExchange(ref _watchdogArmed, 1, 0) == 0)
        {
            _sendWatchdog.Change(_options.SendTimeout - elapsed, Timeout.InfiniteTimeSpan);
        }
    }

    private void AbortStuckSend()
    {
        if (Volatile.Read(ref _sendStarted) != 0)
        {
            _sendTimedOut = true;
            Volatile.Read(ref _inFlightSocket)?.Abort();
        }
    }

    /// <summary>
    /// Stops accepting messages, sends what was accepted within <see cref="WebSocketSenderOptions.SendTimeout"/>, then stops.
    /// Messages not sent by then are counted in <see cref="DroppedCount"/>. Does not close the socket and does not throw.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        bool wake;
        lock (_lock)
        {
            if (_completing)
            {
                wake = false;
            }
            else
            {
                _completing = true;
                wake = TakeDrainWaiterLocked();
            }
        }

        if (wake)
        {
            _signal.Set();
        }

        _spaceAvailable?.TrySetResult();
        if (await Finished(_options.SendTimeout).ConfigureAwait(false))
        {
            return;
        }

        // Draining took too long: stop, cancel the send in flight, and count the rest as dropped.
        lock (_lock)
        {
            _stopped = true;
            wake = TakeDrainWaiterLocked();
        }

        if (wake)
        {
            _signal.Set();
        }

        AbortStuckSend();
        await Finished(_options.SendTimeout).ConfigureAwait(false);
    }

    /// <summary>Stops at once without draining (the owner has no connection to drain to); the queue is counted as dropped.</summary>
    internal async ValueTask StopNowAsync()
    {
        bool wake;
        lock (_lock)
        {
            _completing = true;
            _stopped = true;
            wake = TakeDrainWaiterLocked();
        }

        if (wake)
        {
            _signal.Set();
        }

        _spaceAvailable?.TrySetResult();
        AbortStuckSend();
        await Finished(_options.SendTimeout).ConfigureAwait(false);
    }

    private async Task<bool> Finished(TimeSpan timeout)
    {
        try
        {
            await _drain.WaitAsync(timeout, _timeProvider).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            // The failure stays on Completion for whoever observes it.
            return true;
        }
    }

    private readonly struct Entry
    {
        public Entry(Chunk? chunk, int offset, int length, WebSocketMessageType type)
        {
            Chunk = chunk;
            Offset = offset;
            Length = length;
            Type = type;
        }

        public Chunk? Chunk { get; }

        public int Offset { get; }

        public int Length { get; }

        public WebSocketMessageType Type { get; }

        public ReadOnlyMemory<byte> Memory => Chunk is { } chunk ? chunk.Buffer.AsMemory(Offset, Length) : ReadOnlyMemory<byte>.Empty;
    }

    /// <summary>A pooled array shared by consecutive messages; returned when its last message is sent or dropped.</summary>
    private sealed class Chunk
    {
        public byte[] Buffer = Array.Empty<byte>();
        public int Written;
        public int Pending;
    }

    /// <summary>The caller's bytes or text, copied into a chunk only once the message is accepted.</summary>
    private readonly struct Payload
    {
        private readonly ReadOnlyMemory<byte> _bytes;
        private readonly string? _text;

        public Payload(ReadOnlyMemory<byte> bytes)
        {
            _bytes = bytes;
            _text = null;
            Length = bytes.Length;
        }

        public Payload(string text)
        {
            _bytes = default;
            _text = text;
            Length = Encoding.UTF8.GetByteCount(text);
        }

        public int Length { get; }

        public void CopyTo(Span<byte> destination)
        {
            if (_text is null)
            {
                _bytes.Span.CopyTo(destination);
            }
            else
            {
                Encoding.UTF8.GetBytes(_text, destination);
            }
        }
    }

    /// <summary>A reusable, allocation-free wake-up for the single drain loop.</summary>
    private sealed class DrainSignal : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public ValueTask Arm()
        {
            _core.Reset();
            return new ValueTask(this, _core.Version);
        }

        public void Set() => _core.SetResult(true);

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
