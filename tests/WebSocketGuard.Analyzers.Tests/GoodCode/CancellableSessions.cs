using System;
using System.Buffers;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace GoodCode.Io;

/// <summary>A server endpoint that passes RequestAborted everywhere, answers Close, and closes with a bounded wait.</summary>
public static class CancellableEchoEndpoint
{
    private const int MaxMessageBytes = 64 * 1024;

    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var aborted = context.RequestAborted;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var message = new MemoryStream();
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), aborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, aborted);
                    return;
                }

                if (message.Length + result.Count > MaxMessageBytes)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", aborted);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    await socket.SendAsync(message.ToArray(), result.MessageType, true, aborted);
                    message.SetLength(0);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nothing left to answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>A client whose receive loop owns reading; shutdown sends Close with CloseOutputAsync and awaits the loop.</summary>
public sealed class StreamingSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Func<string, Task> _onMessage;
    private Task _receiving = Task.CompletedTask;

    public StreamingSession(Func<string, Task> onMessage)
    {
        _onMessage = onMessage;
        _socket = new ClientWebSocket();
        _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        _socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
    }

    public async Task StartAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(endpoint, cancellationToken);
        _receiving = ReceiveLoopAsync(cancellationToken);
    }

    public Task SendAsync(string text, CancellationToken cancellationToken)
        => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var message = new MemoryStream();
        while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                }

                return;
            }

            if (message.Length + result.Count > 64 * 1024)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, cancellationToken);
                return;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                await _onMessage(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                message.SetLength(0);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var closeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closeTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token);
        }

        await _receiving;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _socket.Abort();
        }
        finally
        {
            _socket.Dispose();
        }
    }
}

/// <summary>A hosted worker: stoppingToken on every call, a close bounded by its own timeout in finally.</summary>
public sealed class FeedWorker : BackgroundService
{
    private static readonly Uri Endpoint = new("wss://feed.example.com/v1");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        await socket.ConnectAsync(Endpoint, stoppingToken);
        try
        {
            var buffer = new byte[1024];
            while (!stoppingToken.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), stoppingToken);
                if (result.MessageType == WebSocketMessageType.Close || !result.EndOfMessage)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (WebSocketException)
        {
            socket.Abort();
        }
        finally
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closeTimeout.Token);
            }
        }
    }
}

/// <summary>A helper with no token in scope (its callers own cancellation), and a synchronous read of a completed receive.</summary>
public static class SocketHelpers
{
    public static Task SendTextAsync(WebSocket socket, string text)
        => socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    public static async Task<int?> TryReceiveAsync(WebSocket socket, byte[] buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var receive = socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
        var finished = await Task.WhenAny(receive, Task.Delay(timeout, cancellationToken));
        return finished == receive ? receive.Result.Count : null;
    }
}
