using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

// WSG1015: the price ticker reaches client N only after clients 1..N-1 have taken their copy.
public sealed class PriceTicker
{
    private readonly ConcurrentDictionary<Guid, WebSocket> _clients = new();

    public void Add(Guid id, WebSocket socket) => _clients[id] = socket;

    public async Task PublishAsync(string symbol, decimal price, CancellationToken cancellationToken)
    {
        var payload = Encoding.UTF8.GetBytes($"{{\"symbol\":\"{symbol}\",\"price\":{price}}}");
        foreach (var client in _clients)
        {
            if (client.Value.State != WebSocketState.Open)
            {
                continue;
            }

            // A client that stopped reading blocks this await, and everyone after it waits too.
            await client.Value.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }
}
