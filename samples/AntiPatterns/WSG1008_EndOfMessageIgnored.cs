using System.Net.WebSockets;
using System.Text.Json;

// WSG1008: each receive is deserialized as if it held a whole message.
public sealed record OrderUpdate(string OrderId, string Status);

public static class OrderStatusClient
{
    public static async Task ListenAsync(ClientWebSocket socket, Action<OrderUpdate?> onUpdate, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return;
            }

            // An update larger than 1 KB (or sent in two frames) becomes invalid JSON here.
            onUpdate(JsonSerializer.Deserialize<OrderUpdate>(buffer.AsSpan(0, result.Count)));
        }
    }
}
