using System.Net.WebSockets;
using System.Text;

// WSG1012: a synchronous facade over an asynchronous socket.
public sealed class TelemetryPublisher : IDisposable
{
    private readonly ClientWebSocket _socket = new();

    public TelemetryPublisher(Uri endpoint)
    {
        // Blocks a thread-pool thread for the whole TLS and WebSocket handshake.
        _socket.ConnectAsync(endpoint, CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Publish(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        // Under load every publisher holds a thread here until the peer has read the frame.
        _socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None).Wait();
    }

    public string ReadReply()
    {
        var buffer = new byte[4096];
        var result = _socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None).Result;
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    public void Dispose() => _socket.Abort();
}
