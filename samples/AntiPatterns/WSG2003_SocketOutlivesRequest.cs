using System.Collections.Concurrent;
using System.Net.WebSockets;

// WSG2003: the socket is parked in a registry and the handler returns, so ASP.NET Core closes it at once.
public sealed class PresenceRegistry
{
    private readonly ConcurrentDictionary<string, WebSocket> _online = new();

    public async Task ConnectAsync(HttpContext context, string userName)
    {
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        _online[userName] = socket;
        _ = Task.Run(() => ListenAsync(userName, socket));
    }

    private async Task ListenAsync(string userName, WebSocket socket)
    {
        var buffer = new byte[1024];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }

        _online.TryRemove(userName, out _);
    }
}
