using System.Net.WebSockets;
using System.Text;

// WSG1009: the server keeps appending fragments for as long as the client keeps sending.
public static class UploadEndpoint
{
    public static async Task HandleAsync(HttpContext context, Func<string, Task> onDocument)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        var document = new StringBuilder();
        while (true)
        {
            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }

            // No limit: one endless message exhausts the server's memory.
            document.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage)
            {
                await onDocument(document.ToString());
                document.Clear();
            }
        }
    }
}
