using System;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GoodCode.UiSendPath;

/// <summary>
/// A chat view's send path: the click handler is async void because the event's signature says so, catches what the
/// send can throw, and awaits one send method that a gate keeps to one send at a time.
/// </summary>
public sealed class ChatView : IDisposable
{
    private readonly WebSocket _socket;
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly CancellationTokenSource _closing = new();

    public ChatView(WebSocket socket) => _socket = socket;

    public event EventHandler<string>? SendFailed;

    public string Draft { get; set; } = "";

    public async void OnSendClicked(object? sender, EventArgs e)
    {
        try
        {
            await SendTextAsync(Draft, _closing.Token);
            Draft = "";
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            SendFailed?.Invoke(this, ex.Message);
        }
    }

    public async Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        await _sendGate.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public void Dispose()
    {
        _closing.Cancel();
        _closing.Dispose();
        _sendGate.Dispose();
    }
}
