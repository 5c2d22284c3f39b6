using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GoodCode.ClientResilience;

/// <summary>
/// A long-lived client done right: a new socket per attempt, capped exponential backoff with full jitter,
/// one writer per socket draining a bounded queue, and failures caught where nothing else would observe them.
/// </summary>
public sealed class ReconnectingFeedClient : BackgroundService
{
    private static readonly Uri Endpoint = new("wss://feed.example.com/v1");
    private readonly Channel<string> _outbox = Channel.CreateBounded<string>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait });
    private readonly ILogger<ReconnectingFeedClient> _logger;

    public ReconnectingFeedClient(ILogger<ReconnectingFeedClient> logger) => _logger = logger;

    public ValueTask EnqueueAsync(string message, CancellationToken cancellationToken) => _outbox.Writer.WriteAsync(message, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var socket = CreateSocket();
            try
            {
                await socket.ConnectAsync(Endpoint, stoppingToken);
                attempt = 0;
                using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var sending = SendLoopAsync(socket, connection.Token);
                await ReceiveLoopAsync(socket, connection.Token);
                connection.Cancel();
                await sending;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (WebSocketException ex)
            {
                _logger.LogWarning(ex, "Feed connection lost");
                socket.Abort();
            }

            var cap = Math.Min(30_000, 1_000 << Math.Min(attempt, 5));
            attempt++;
            await Task.Delay(Random.Shared.Next(cap), stoppingToken);
        }
    }

    private static ClientWebSocket CreateSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        return socket;
    }

    private async Task SendLoopAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReceiveLoopAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return;
            }

            if (result.EndOfMessage && result.Count > 0)
            {
                _logger.LogDebug("Received {Count} bytes", result.Count);
            }
        }
    }
}

/// <summary>Broadcast to many sockets at once (one send per socket), and a sender serialised by a semaphore.</summary>
public sealed class ChatRoom
{
    private readonly List<WebSocket> _members = new();
    private readonly SemaphoreSlim _sendGate = new(1, 1);

    public Task BroadcastAsync(string text, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        return Task.WhenAll(_members.Select(member => member.SendAsync(payload, WebSocketMessageType.Text, true, cancellationToken)));
    }

    public async Task SendSerialisedAsync(WebSocket socket, byte[] payload, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }
}

/// <summary>A server endpoint whose echo loop catches disconnects.</summary>
public static class EchoEndpoint
{
    public static void Map(WebApplication app)
    {
        app.Map("/echo", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            try
            {
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                        break;
                    }

                    await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
                }
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
            catch (WebSocketException)
            {
                socket.Abort();
            }
        });
    }
}
