using System.Net.WebSockets;

// WSG2004: a plain HTTP request gets a 400 and then the accept runs anyway (and throws).
public sealed class EchoMiddleware
{
    private readonly RequestDelegate _next;

    public EchoMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path != "/echo")
        {
            await _next(context);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            // missing: return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
        while (result.MessageType != WebSocketMessageType.Close)
        {
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            result = await socket.ReceiveAsync(buffer, context.RequestAborted);
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
    }
}

public static class EchoPipeline
{
    public static void Configure(IApplicationBuilder app)
    {
        app.UseMiddleware<EchoMiddleware>();
        app.UseWebSockets(); // too late: EchoMiddleware never sees an upgrade request
    }
}
