using System.Net.WebSockets;
using System.Text;

namespace WebSocketGuard;

/// <summary>
/// One whole WebSocket message, or the peer's Close. Returned by <see cref="WebSocketMessageReader.ReadAsync"/>.
/// </summary>
/// <remarks>
/// <see cref="Payload"/> points into the reader's pooled buffer: it is valid until the next read or until the reader
/// is disposed. Copy it (<c>Payload.ToArray()</c>) to keep it longer.
/// </remarks>
public readonly struct WebSocketMessage
{
    /// <summary>Creates a message; mainly for tests and for callers that feed a receive callback themselves.</summary>
    public WebSocketMessage(WebSocketMessageType messageType, ReadOnlyMemory<byte> payload)
    {
        MessageType = messageType;
        Payload = payload;
    }

    /// <summary>Creates the message that stands for the peer's Close frame.</summary>
    public static WebSocketMessage Close(WebSocketCloseStatus? closeStatus, string? closeStatusDescription) =>
        new(WebSocketMessageType.Close, ReadOnlyMemory<byte>.Empty, closeStatus, closeStatusDescription);

    private WebSocketMessage(WebSocketMessageType messageType, ReadOnlyMemory<byte> payload, WebSocketCloseStatus? closeStatus, string? description)
    {
        MessageType = messageType;
        Payload = payload;
        CloseStatus = closeStatus;
        CloseStatusDescription = description;
    }

    /// <summary>Text, Binary, or Close.</summary>
    public WebSocketMessageType MessageType { get; }

    /// <summary>The whole payload; valid until the next read.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Whether this is the peer's Close rather than data.</summary>
    public bool IsClose => MessageType == WebSocketMessageType.Close;

    /// <summary>The peer's close code when <see cref="IsClose"/>; null if it sent none.</summary>
    public WebSocketCloseStatus? CloseStatus { get; }

    /// <summary>The peer's close reason when <see cref="IsClose"/>.</summary>
    public string? CloseStatusDescription { get; }

    /// <summary>Decodes the payload as UTF-8 (allocates a string).</summary>
    public string GetText() => Encoding.UTF8.GetString(Payload.Span);

    /// <summary>Copies the message so it outlives the next read.</summary>
    public WebSocketMessage Detach() =>
        Payload.IsEmpty ? this : new WebSocketMessage(MessageType, Payload.ToArray(), CloseStatus, CloseStatusDescription);

    /// <inheritdoc/>
    public override string ToString() =>
        IsClose ? $"Close {(int?)CloseStatus} {CloseStatusDescription}" : $"{MessageType} ({Payload.Length} bytes)";
}
