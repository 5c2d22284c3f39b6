using System.Net.WebSockets;
using System.Text;

// WSG1010: the request's token is right there, but the socket calls ignore it.
public static class TickerEndpoint
{
    public static void Map(WebApplication app)
    {
        app.Map("/ticker", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            while (socket.State == WebSocketState.Open)
            {
                var tick = Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O"));

                // A client that stops reading leaves this send, and the request, waiting forever.
                await socket.SendAsync(tick, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                await Task.Delay(TimeSpan.FromSeconds(1), context.RequestAborted);
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", default);
        });
    }
}
