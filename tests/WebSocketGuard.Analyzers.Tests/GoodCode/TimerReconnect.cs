using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace GoodCode.TimerReconnect;

/// <summary>
/// A health-check timer that reconnects only when the socket is down and the next attempt is due; each failure
/// pushes the next attempt back exponentially, with jitter, up to a cap, and a success resets it.
/// </summary>
public sealed class StatusLink : IDisposable
{
    private static readonly Uri Endpoint = new("wss://status.example.com/link");
    private readonly Timer _healthCheck;
    private readonly CancellationTokenSource _stop = new();
    private ClientWebSocket _socket = new();
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private int _failures;
    private int _connecting;

    public StatusLink() => _healthCheck = new Timer(OnHealthCheck, null, TimeSpan.Zero, TimeSpan.FromSeconds(1));

    private void OnHealthCheck(object? state)
    {
        if (_socket.State == WebSocketState.Open || DateTimeOffset.UtcNow < _nextAttempt)
        {
            return;
        }

        if (Interlocked.Exchange(ref _connecting, 1) == 0)
        {
            _ = ReconnectAsync();
        }
    }

    private async Task ReconnectAsync()
    {
        try
        {
            _socket.Dispose();
            _socket = new ClientWebSocket();
            _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            _socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(10);
            await _socket.ConnectAsync(Endpoint, _stop.Token);
            _failures = 0;
        }
        catch (WebSocketException)
        {
            _failures++;
            var capMs = Math.Min(30_000, 1_000 << Math.Min(_failures, 5));
            _nextAttempt = DateTimeOffset.UtcNow.AddMilliseconds(Random.Shared.Next(capMs));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _connecting, 0);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _healthCheck.DisposeAsync();
        if (_socket.State == WebSocketState.Open)
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client stopping", cancellationToken);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _healthCheck.Dispose();
        _socket.Dispose();
        _stop.Dispose();
    }
}
