using System.Net.WebSockets;

namespace WebSocketGuard;

/// <summary>
/// An inbound message exceeded the reader's limit. The reader has already started the close handshake with
/// <see cref="WebSocketCloseStatus.MessageTooBig"/> (1009); the connection is finished.
/// </summary>
/// <remarks>
/// <see cref="WebSocketException"/> is sealed, so this derives from <see cref="IOException"/>; catch it by name
/// (before <see cref="IOException"/>), or let <see cref="ReceiveLoop"/> report it as <see cref="ReceiveLoopOutcome.MessageTooBig"/>.
/// </remarks>
public sealed class WebSocketMessageTooBigException : IOException
{
    /// <summary>Creates the exception for a message over <paramref name="maxMessageSize"/> bytes.</summary>
    public WebSocketMessageTooBigException(int maxMessageSize)
        : base($"The WebSocket message exceeds the limit of {maxMessageSize} bytes; the connection was closed with 1009 (MessageTooBig).")
    {
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>Creates the exception with a custom message.</summary>
    public WebSocketMessageTooBigException(string message, int maxMessageSize, Exception? innerException = null)
        : base(message, innerException)
    {
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>The limit that was exceeded, in bytes.</summary>
    public int MaxMessageSize { get; }

    /// <summary>The close code that was sent: <see cref="WebSocketCloseStatus.MessageTooBig"/>.</summary>
    public WebSocketCloseStatus CloseStatus => WebSocketCloseStatus.MessageTooBig;
}
