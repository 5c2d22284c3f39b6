using System.Net.WebSockets;
using System.Text;

// WSG1001: receive loops whose WebSocketException nobody observes.
public sealed class StockTickerClient
{
    private readonly ClientWebSocket _socket = new();

    public async Task StartAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(endpoint, cancellationToken);

        // Fire-and-forget: when the connection drops, the loop dies silently and prices freeze.
        _ = ReceivePricesAsync(cancellationToken);
    }

    private async Task ReceivePricesAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (_socket.State == WebSocketState.Open)
        {
            var result = await _socket.ReceiveAsync(buffer, cancellationToken);
            Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }
}

public static class EchoEndpoint
{
    // A dropped client surfaces as an unhandled request error for every disconnect.
    public static void Map(WebApplication app)
    {
        app.Map("/echo", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        });
    }
}
