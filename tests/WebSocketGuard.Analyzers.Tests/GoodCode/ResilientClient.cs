using System;
using System.Buffers;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GoodCode.Client;

/// <summary>A client written the recommended way: keep-alive with timeout, TLS, whole messages, bounded size, Close answered.</summary>
public sealed class ResilientClient
{
    private const int MaxMessageBytes = 64 * 1024;
    private static readonly Uri Endpoint = new("wss://prices.example.com/feed");
    private static readonly Uri LocalEndpoint = new("ws://localhost:5000/ws");

    public async Task RunAsync(Func<string, Task> onMessage, CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
            socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
            try
            {
                await socket.ConnectAsync(Endpoint, cancellationToken);
                attempt = 0;
                await ReceiveAsync(socket, onMessage, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (WebSocketException)
            {
                socket.Abort();
            }

            var cap = Math.Min(30_000, 1_000 * (1 << Math.Min(attempt, 5)));
            attempt++;
            await Task.Delay(Random.Shared.Next(cap), cancellationToken);
        }
    }

    public static async Task<ClientWebSocket> ConnectLocalAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket
        {
            Options =
            {
                KeepAliveInterval = TimeSpan.FromSeconds(15),
                KeepAliveTimeout = TimeSpan.FromSeconds(10),
            },
        };
        await socket.ConnectAsync(LocalEndpoint, cancellationToken);
        return socket;
    }

    private static async Task ReceiveAsync(ClientWebSocket socket, Func<string, Task> onMessage, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var message = new MemoryStream();
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }

                if (message.Length + result.Count > MaxMessageBytes)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    await onMessage(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
