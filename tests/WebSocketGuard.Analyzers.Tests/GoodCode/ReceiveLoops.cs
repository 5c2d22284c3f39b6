using System;
using System.Buffers;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace GoodCode.ReceiveLoops;

/// <summary>
/// Receive loops written the recommended way: buffer allocated once, Close answered, fragments reassembled
/// until EndOfMessage, size limited with MessageTooBig.
/// </summary>
public static class JsonMessageEndpoint
{
    private const int MaxMessageBytes = 64 * 1024;

    public static async Task HandleAsync(HttpContext context, Func<JsonDocument, Task> onMessage)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var cancellationToken = context.RequestAborted;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }

                if (message.Length + result.Count > MaxMessageBytes)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", cancellationToken);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                using (var document = JsonDocument.Parse(message.GetBuffer().AsMemory(0, (int)message.Length)))
                {
                    await onMessage(document);
                }

                message.SetLength(0);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The echo from the ASP.NET Core documentation: frames relayed with their EndOfMessage, the loop ends on CloseStatus.</summary>
public static class EchoEndpoint
{
    public static async Task EchoAsync(WebSocket webSocket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024 * 4];
        var receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);

        while (!receiveResult.CloseStatus.HasValue)
        {
            await webSocket.SendAsync(
                new ArraySegment<byte>(buffer, 0, receiveResult.Count),
                receiveResult.MessageType,
                receiveResult.EndOfMessage,
                cancellationToken);

            receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
        }

        await webSocket.CloseAsync(receiveResult.CloseStatus.Value, receiveResult.CloseStatusDescription, cancellationToken);
    }
}

/// <summary>A client reader: one message per call, fragments collected in a StringBuilder with a limit, Close reported to the caller.</summary>
public sealed class TextMessageReader
{
    private const int MaxMessageChars = 32 * 1024;
    private readonly WebSocket _socket;
    private readonly byte[] _buffer = new byte[4096];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly char[] _chars = new char[Encoding.UTF8.GetMaxCharCount(4096)];

    public TextMessageReader(WebSocket socket) => _socket = socket;

    /// <summary>The next text message, or null once the peer has closed (the Close is answered).</summary>
    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(new ArraySegment<byte>(_buffer), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return null;
            }

            var charCount = _decoder.GetChars(_buffer, 0, result.Count, _chars, 0, result.EndOfMessage);
            if (text.Length + charCount > MaxMessageChars)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", cancellationToken);
                return null;
            }

            text.Append(_chars, 0, charCount);
        }
        while (!result.EndOfMessage);

        return text.ToString();
    }
}

/// <summary>Each message gets its own array because it is queued: allocating per iteration is needed here.</summary>
public sealed class QueuedReader
{
    private readonly System.Threading.Channels.Channel<ArraySegment<byte>> _inbox =
        System.Threading.Channels.Channel.CreateBounded<ArraySegment<byte>>(64);

    public async Task PumpAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        while (socket.State == WebSocketState.Open)
        {
            var frame = new byte[1024];
            var result = await socket.ReceiveAsync(new ArraySegment<byte>(frame), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                break;
            }

            if (!result.EndOfMessage)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Frames over 1 KB are not accepted", cancellationToken);
                break;
            }

            await _inbox.Writer.WriteAsync(new ArraySegment<byte>(frame, 0, result.Count), cancellationToken);
        }
    }
}

/// <summary>The pump hands each fragment and its result to a method that reassembles up to EndOfMessage, with a limit, and decodes the whole message.</summary>
public sealed class FragmentAssembler
{
    private const int MaxMessageBytes = 64 * 1024;
    private readonly MemoryStream _message = new();

    public event Action<JsonDocument>? MessageReceived;

    public async Task PumpAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                return;
            }

            if (!Append(buffer, result))
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", cancellationToken);
                return;
            }
        }
    }

    private bool Append(byte[] fragment, WebSocketReceiveResult result)
    {
        if (_message.Length + result.Count > MaxMessageBytes)
        {
            return false;
        }

        _message.Write(fragment, 0, result.Count);
        if (result.EndOfMessage)
        {
            using var document = JsonDocument.Parse(_message.GetBuffer().AsMemory(0, (int)_message.Length));
            MessageReceived?.Invoke(document);
            _message.SetLength(0);
        }

        return true;
    }
}
