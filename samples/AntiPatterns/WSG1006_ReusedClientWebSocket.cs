using System.Net.WebSockets;

// WSG1006: the same ClientWebSocket is connected again after it failed; every retry throws.
public sealed class OrderBookClient
{
    private readonly Uri _endpoint = new("wss://orders.example.com/book");
    private ClientWebSocket _socket = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _socket.ConnectAsync(_endpoint, cancellationToken);
                return;
            }
            catch (WebSocketException)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            }
        }
    }

    public Task ReconnectAsync(CancellationToken cancellationToken)
        => _socket.ConnectAsync(_endpoint, cancellationToken);
}
