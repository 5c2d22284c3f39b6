using System.Net.WebSockets;
using System.Text;

// WSG1014: the close competes with the receive loop, and one path drops the connection without any close.
public sealed class QuoteStream : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private Task _receiving = Task.CompletedTask;

    public event Action<string>? Quote;

    public async Task StartAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        await _socket.ConnectAsync(endpoint, cancellationToken);
        _receiving = ReceiveLoopAsync(cancellationToken);
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        while (_socket.State == WebSocketState.Open)
        {
            var result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            Quote?.Invoke(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // CloseAsync reads until the peer's Close arrives, while ReceiveLoopAsync is reading too.
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "stopping", cancellationToken);
        await _receiving;
    }

    public void Dispose() => _socket.Dispose();
}

public static class StatusReporter
{
    public static async Task ReportAsync(Uri endpoint, string status, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        await socket.ConnectAsync(endpoint, cancellationToken);
        await socket.SendAsync(Encoding.UTF8.GetBytes(status), WebSocketMessageType.Text, true, cancellationToken);

        // The peer sees 1006 (abnormal closure) instead of a clean close.
        socket.Dispose();
    }
}
