using System.Net.WebSockets;
using System.Text;

// WSG1007: the loop never looks for the peer's Close.
public static class TickerClient
{
    public static async Task ListenAsync(ClientWebSocket socket, Action<string> onTick, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            // A Close arrives as an empty "tick"; the next ReceiveAsync then throws, and the Close is never answered.
            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            if (result.EndOfMessage)
            {
                onTick(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
        }
    }
}
