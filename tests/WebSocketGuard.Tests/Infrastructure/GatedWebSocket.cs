using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace WebSocketGuard.Tests.Infrastructure;

/// <summary>
/// A fake socket whose sends wait for the test to open a gate: a perfectly controllable slow consumer.
/// Records what was sent and the highest number of concurrent sends.
/// </summary>
internal sealed class GatedWebSocket : WebSocket
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly CancellationTokenSource _aborted = new();
    private int _concurrent;
    private int _maxConcurrent;
    private int _started;
    private WebSocketState _state = WebSocketState.Open;

    public bool GateOpen { get; set; }

    public ConcurrentQueue<string> Sent { get; } = new();

    public int MaxConcurrentSends => Volatile.Read(ref _maxConcurrent);

    public int SendsStarted => Volatile.Read(ref _started);

    public bool Aborted { get; private set; }

    public void Release(int count = 1) => _gate.Release(count);

    public void Open()
    {
        GateOpen = true;
        _gate.Release(10_000);
    }

    public override WebSocketCloseStatus? CloseStatus => null;

    public override string? CloseStatusDescription => null;

    public override WebSocketState State => _state;

    public override string? SubProtocol => null;

    public override void Abort()
    {
        Aborted = true;
        _state = WebSocketState.Aborted;
        _aborted.Cancel();
    }

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _concurrent);
        InterlockedMax(ref _maxConcurrent, now);
        Interlocked.Increment(ref _started);
        try
        {
            if (_state != WebSocketState.Open)
            {
                throw new WebSocketException(WebSocketError.InvalidState, "aborted");
            }

            if (!GateOpen)
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _aborted.Token);
                try
                {
                    await _gate.WaitAsync(either.Token);
                }
                catch (OperationCanceledException) when (_aborted.IsCancellationRequested)
                {
                    throw new WebSocketException(WebSocketError.InvalidState, "aborted");
                }
                catch (OperationCanceledException)
                {
                    // Like the real socket: a cancelled send aborts the connection.
                    Abort();
                    throw;
                }
            }

            Sent.Enqueue(System.Text.Encoding.UTF8.GetString(buffer.Span));
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
