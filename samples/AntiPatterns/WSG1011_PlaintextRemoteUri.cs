using System.Net.WebSockets;

// WSG1011: frames, cookies and tokens cross the network unencrypted.
public sealed class ChatClient
{
    private const string ChatEndpoint = "ws://chat.example.com/rooms";

    public async Task JoinAsync(ClientWebSocket socket, string room, CancellationToken cancellationToken)
    {
        await socket.ConnectAsync(new Uri($"{ChatEndpoint}/{room}"), cancellationToken);
    }
}
