using System.Net.WebSockets;
using System.Text;

// WSG1013: a fresh receive buffer for every message.
public static class InboxListener
{
    public static async Task ListenAsync(WebSocket socket, Action<string> onNotification, CancellationToken cancellationToken)
    {
        while (socket.State == WebSocketState.Open)
        {
            // 8 KB of garbage per notification, for the life of the connection.
            var buffer = new byte[8192];
            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                break;
            }

            if (result.EndOfMessage)
            {
                onNotification(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }
    }
}
