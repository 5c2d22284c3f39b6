namespace WebSocketGuard.Analyzers;

/// <summary>Every rule ID, as registered in the rule registry. IDs never change meaning once shipped.</summary>
public static class RuleIds
{
    public const string ReceiveLoopWithoutErrorHandling = "WSG1001";
    public const string MissingDeadPeerDetection = "WSG1002";
    public const string ReconnectWithoutBackoff = "WSG1003";
    public const string UnboundedOutboundQueue = "WSG1004";
    public const string UnawaitedOrConcurrentSend = "WSG1005";
    public const string ClientWebSocketReused = "WSG1006";
    public const string CloseMessageNotHandled = "WSG1007";
    public const string EndOfMessageIgnored = "WSG1008";
    public const string InboundMessageSizeNotLimited = "WSG1009";
    public const string SocketIoWithoutCancellation = "WSG1010";
    public const string PlaintextRemoteWebSocketUri = "WSG1011";
    public const string BlockingWaitOnSocketOperation = "WSG1012";
    public const string ReceiveBufferPerIteration = "WSG1013";
    public const string CloseRacingReceiveLoop = "WSG1014";
    public const string SequentialBroadcast = "WSG1015";
    public const string UnauthenticatedAccept = "WSG2001";
    public const string OriginNotValidated = "WSG2002";
    public const string SocketOutlivesRequest = "WSG2003";
    public const string NonWebSocketRequestFallsThrough = "WSG2004";
}
