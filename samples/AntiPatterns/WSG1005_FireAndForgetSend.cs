using System.Net.WebSockets;
using System.Text;

// WSG1005: sends nobody waits for, and sends racing each other on one socket.
public sealed class ChatRoomClient
{
    private readonly ClientWebSocket _socket = new();

    // Called from UI events: the task is dropped, so failures vanish and two quick calls overlap.
    public void Say(string text)
    {
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    // async void: the send inside is awaited, but nobody can await Notify, so two joins overlap on the socket
    // and a failed send escapes to the thread pool.
    public void Join(string room) => Notify("join:" + room);

    private async void Notify(string text)
    {
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
    }

    // Replays history "faster" by sending everything at once on the same socket.
    public Task ReplayAsync(IEnumerable<string> history, CancellationToken cancellationToken)
        => Task.WhenAll(history.Select(line =>
            _socket.SendAsync(Encoding.UTF8.GetBytes(line), WebSocketMessageType.Text, true, cancellationToken)));
}
