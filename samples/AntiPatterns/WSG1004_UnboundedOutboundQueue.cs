using System.Net.WebSockets;
using System.Threading.Channels;

// WSG1004: each connection buffers outbound messages without limit; a client that stops reading grows it forever.
public sealed class GameClient
{
    private readonly WebSocket _socket;
    private readonly Channel<ReadOnlyMemory<byte>> _outbound = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();

    public GameClient(WebSocket socket) => _socket = socket;

    // Called by the game loop 60 times a second for every player.
    public void Post(ReadOnlyMemory<byte> stateUpdate) => _outbound.Writer.TryWrite(stateUpdate);

    public async Task RunSenderAsync(CancellationToken cancellationToken)
    {
        await foreach (var update in _outbound.Reader.ReadAllAsync(cancellationToken))
        {
            await _socket.SendAsync(update, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        }
    }
}
