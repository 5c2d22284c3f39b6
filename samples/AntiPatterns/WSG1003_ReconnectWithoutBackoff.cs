using System.Net.WebSockets;

// WSG1003: every client reconnects the moment the server drops them, and again every 2 s while it is down.
public static class NotificationListener
{
    public static async Task ListenAsync(Uri endpoint, Func<WebSocket, CancellationToken, Task> pump, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var socket = new ClientWebSocket();
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken);
                await pump(socket, cancellationToken);
            }
            catch (WebSocketException ex)
            {
                Console.WriteLine($"Connection lost: {ex.Message}; retrying");
                await Task.Delay(2000, cancellationToken);
            }
        }
    }
}
