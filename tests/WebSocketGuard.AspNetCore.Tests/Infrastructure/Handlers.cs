namespace WebSocketGuard.AspNetCore.Tests.Infrastructure;

internal static class Handlers
{
    /// <summary>Echoes every message through the connection's sender until the client closes.</summary>
    public static async Task Echo(WebSocketConnection connection)
    {
        while (true)
        {
            var message = await connection.Reader.ReadAsync(connection.Aborted);
            if (message.IsClose)
            {
                return;
            }

            await connection.Sender.SendAsync(message.Payload, message.MessageType, connection.Aborted);
        }
    }

    /// <summary>Reads (and ignores) messages until the client closes: the connection just stays open for broadcasts.</summary>
    public static async Task Listen(WebSocketConnection connection)
    {
        while (!(await connection.Reader.ReadAsync(connection.Aborted)).IsClose)
        {
        }
    }

    public static void Trusted(WebSocketEndpointOptions options) => options.AllowedOrigins.Add(TestApp.TrustedOrigin);
}
