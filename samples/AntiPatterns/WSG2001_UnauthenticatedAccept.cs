using System.Net.WebSockets;
using System.Text;

// WSG2001: the notifications socket pushes per-user data, but nothing checks who connects.
public static class NotificationEndpoints
{
    public static void Map(WebApplication app)
    {
        app.Map("/notifications", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            // Anyone who can reach the server gets this stream; no RequireAuthorization(), no [Authorize].
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var userId = context.Request.Query["user"].ToString();
            var payload = Encoding.UTF8.GetBytes($"{{\"user\":\"{userId}\",\"unread\":3}}");
            await socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
        });
    }
}
