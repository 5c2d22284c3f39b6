using System.Net.WebSockets;

// WSG1002: neither side can notice a peer that vanished without a Close frame.
public static class ServerSetup
{
    public static void Configure(WebApplication app)
    {
        // No KeepAliveTimeout: half-open server sockets live until the OS gives up.
        app.UseWebSockets();
    }
}

public static class PriceFeedClient
{
    public static async Task ListenAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        // Connects with no KeepAliveTimeout: a silent network drop hangs ReceiveAsync forever.
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(endpoint, cancellationToken);

        var buffer = new byte[4096];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                break;
            }
        }
    }

    public static WebSocket Wrap(Stream stream)
    {
        // Keep-alive switched off entirely.
        return WebSocket.CreateFromStream(stream, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
    }
}
