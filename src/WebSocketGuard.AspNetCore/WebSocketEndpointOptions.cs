using System.Security.Claims;

namespace WebSocketGuard.AspNetCore;

/// <summary>
/// The checks and bounds of a WebSocket endpoint (<see cref="WebSocketEndpointRouteBuilderExtensions.MapWebSocket"/>) or of a
/// hand-written accept (<see cref="WebSocketAccept"/>). Bound from the configuration section <c>WebSockets</c> by
/// <see cref="WebSocketGuardServiceCollectionExtensions.AddWebSocketGuard"/>, and adjustable in code per endpoint.
/// </summary>
/// <remarks>
/// <para>The defaults fail closed: no Origin is allowed until listed in <see cref="AllowedOrigins"/>, a request without an
/// Origin header is refused (<see cref="AllowMissingOrigin"/>), and an anonymous user is refused (<see cref="AllowAnonymous"/>).</para>
/// <para>Configuration keys (section <c>WebSockets</c>): <c>AllowedOrigins</c> (array), <c>AllowMissingOrigin</c>,
/// <c>AllowAnonymous</c>, <c>MaxConnections</c>, <c>MaxConnectionsPerUser</c>, <c>KeepAliveInterval</c>,
/// <c>KeepAliveTimeout</c>, <c>MaxMessageSize</c>, <c>CloseTimeout</c> and <c>Sender:MaxQueuedMessages</c>,
/// <c>Sender:MaxQueuedBytes</c>, <c>Sender:OverflowPolicy</c>, <c>Sender:WaitTimeout</c>, <c>Sender:SendTimeout</c>.
/// Time spans use the <c>hh:mm:ss</c> format.</para>
/// </remarks>
public sealed class WebSocketEndpointOptions
{
    /// <summary>The configuration section the options are bound from: <c>WebSockets</c>.</summary>
    public const string ConfigurationSectionName = "WebSockets";

    /// <summary>The default total connection limit: 10,000.</summary>
    public const int DefaultMaxConnections = 10_000;

    /// <summary>The default per-user connection limit: 16.</summary>
    public const int DefaultMaxConnectionsPerUser = 16;

    /// <summary>
    /// Origins allowed to open a connection, each <c>scheme://host[:port]</c> (for example <c>https://app.example.com</c>).
    /// A request's Origin must match one entry exactly in scheme, host and port (default ports are implied; host case is ignored);
    /// anything else is answered 403. Empty by default, which refuses every browser. <c>*</c> is not accepted: it would let
    /// any site open a connection with the user's cookies (cross-site WebSocket hijacking).
    /// </summary>
    public IList<string> AllowedOrigins { get; set; } = new List<string>();

    /// <summary>
    /// Whether a request without an Origin header is accepted; <see langword="false"/> by default. Browsers always send Origin
    /// on a WebSocket handshake, so requests without one come from non-browser clients (services, native apps,
    /// <c>ClientWebSocket</c>); turn this on when such clients connect. Authentication and limits still apply to them.
    /// </summary>
    public bool AllowMissingOrigin { get; set; }

    /// <summary>
    /// Whether users who are not authenticated may connect; <see langword="false"/> by default, when they get 401.
    /// Set it only for endpoints that are meant to be public.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>
    /// The most connections the registry may hold when this endpoint accepts (counted over every endpoint that shares the
    /// <see cref="WebSocketConnectionRegistry"/>); past it the request gets 503. <see cref="DefaultMaxConnections"/> by default.
    /// Must be positive.
    /// </summary>
    public int MaxConnections { get; set; } = DefaultMaxConnections;

    /// <summary>
    /// The most connections one user may hold (keyed by <see cref="UserKeySelector"/>); past it the request gets 503.
    /// <see cref="DefaultMaxConnectionsPerUser"/> by default. Must be positive. Not applied to connections without a user key
    /// (anonymous users).
    /// </summary>
    public int MaxConnectionsPerUser { get; set; } = DefaultMaxConnectionsPerUser;

    /// <summary>
    /// Picks the key the per-user limit counts by. By default the <see cref="ClaimTypes.NameIdentifier"/> claim, else
    /// <c>Identity.Name</c>, of an authenticated user; <see langword="null"/> (no per-user limit) for anonymous users.
    /// Must not be null.
    /// </summary>
    public Func<ClaimsPrincipal, string?> UserKeySelector { get; set; } = DefaultUserKey;

    /// <summary>Time between keep-alive pings; <see cref="KeepAlive.DefaultInterval"/> (30 s) by default. Must be positive.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = KeepAlive.DefaultInterval;

    /// <summary>
    /// How long to wait for the client's answer to a ping before aborting the connection (dead-peer detection);
    /// <see cref="KeepAlive.DefaultTimeout"/> (20 s) by default. Must be positive. Enforced by the framework on .NET 9 and
    /// later; on .NET 8 only the pings are sent, and a vanished peer is noticed when a send times out
    /// (<see cref="WebSocketSenderOptions.SendTimeout"/>) or TCP gives up.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = KeepAlive.DefaultTimeout;

    /// <summary>Largest inbound message the connection's <see cref="WebSocketMessageReader"/> accepts; 64 KiB by default. Must be positive.</summary>
    public int MaxMessageSize { get; set; } = WebSocketMessageReader.DefaultMaxMessageSize;

    /// <summary>Bound on the close handshake when the connection ends; 5 s by default. Must be positive and finite.</summary>
    public TimeSpan CloseTimeout { get; set; } = GracefulClose.DefaultTimeout;

    /// <summary>
    /// Bounds and overflow policy of each connection's <see cref="WebSocketSender"/>. By default 1,024 messages or 1 MiB with
    /// <see cref="SendOverflowPolicy.DisconnectSlowConsumer"/>: on a server a client that stops reading is cut off, so it
    /// can neither grow memory nor hold up a broadcast. Must not be null.
    /// </summary>
    public WebSocketSenderOptions Sender { get; set; } = new() { OverflowPolicy = SendOverflowPolicy.DisconnectSlowConsumer };

    /// <summary>The default <see cref="UserKeySelector"/>: the name identifier claim, else the name, of an authenticated user.</summary>
    /// <param name="user">The request's user.</param>
    /// <returns>The key, or <see langword="null"/> for an anonymous user.</returns>
    public static string? DefaultUserKey(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!IsAuthenticated(user))
        {
            return null;
        }

        var key = user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        return string.IsNullOrEmpty(key) ? user.Identity?.Name : key;
    }

    /// <summary>Copies the options, with their origin list and sender options, so a copy can be changed on its own.</summary>
    /// <returns>An independent copy.</returns>
    public WebSocketEndpointOptions Clone()
    {
        var copy = (WebSocketEndpointOptions)MemberwiseClone();
        copy.AllowedOrigins = new List<string>(AllowedOrigins ?? []);
        if (Sender is { } sender)
        {
            copy.Sender = new WebSocketSenderOptions
            {
                MaxQueuedMessages = sender.MaxQueuedMessages,
                MaxQueuedBytes = sender.MaxQueuedBytes,
                OverflowPolicy = sender.OverflowPolicy,
                WaitTimeout = sender.WaitTimeout,
                SendTimeout = sender.SendTimeout,
            };
        }

        return copy;
    }

    /// <summary>Checks every option and throws when one is out of range.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it and says why.</exception>
    public void Validate() => _ = Snapshot();

    /// <summary>Validates and freezes the options into what the endpoint runs with.</summary>
    internal ValidatedOptions Snapshot()
    {
        const string param = "options";
        if (AllowedOrigins is null)
        {
            throw new ArgumentException("WebSocketEndpointOptions.AllowedOrigins must not be null; leave it empty to refuse every browser origin.", param);
        }

        var origins = new HashSet<string>(StringComparer.Ordinal);
        foreach (var origin in AllowedOrigins)
        {
            if (!OriginMatcher.TryNormalize(origin, out var normalized, out var why))
            {
                throw new ArgumentException($"WebSocketEndpointOptions.AllowedOrigins contains '{origin}', which is not a valid origin: {why}", param);
            }

            origins.Add(normalized);
        }

        if (MaxConnections <= 0)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.MaxConnections must be positive (was {MaxConnections}).", param);
        }

        if (MaxConnectionsPerUser <= 0)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.MaxConnectionsPerUser must be positive (was {MaxConnectionsPerUser}).", param);
        }

        if (UserKeySelector is null)
        {
            throw new ArgumentException("WebSocketEndpointOptions.UserKeySelector must not be null; use WebSocketEndpointOptions.DefaultUserKey.", param);
        }

        if (KeepAliveInterval <= TimeSpan.Zero || KeepAliveInterval == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.KeepAliveInterval must be positive and finite (was {KeepAliveInterval}); without pings a vanished client is never noticed.", param);
        }

        if (KeepAliveTimeout <= TimeSpan.Zero || KeepAliveTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.KeepAliveTimeout must be positive and finite (was {KeepAliveTimeout}).", param);
        }

        if (MaxMessageSize <= 0 || MaxMessageSize == int.MaxValue)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.MaxMessageSize must be positive and below int.MaxValue (was {MaxMessageSize}).", param);
        }

        if (CloseTimeout <= TimeSpan.Zero || CloseTimeout == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.CloseTimeout must be positive and finite (was {CloseTimeout}); an unbounded close can hang on a vanished client.", param);
        }

        if (Sender is null)
        {
            throw new ArgumentException("WebSocketEndpointOptions.Sender must not be null.", param);
        }

        WebSocketSenderOptions sender;
        try
        {
            sender = Sender.Validated();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"WebSocketEndpointOptions.Sender is invalid: {ex.Message}", param, ex);
        }

        return new ValidatedOptions(
            origins,
            AllowMissingOrigin,
            AllowAnonymous,
            MaxConnections,
            MaxConnectionsPerUser,
            UserKeySelector,
            KeepAliveInterval,
            KeepAliveTimeout,
            MaxMessageSize,
            CloseTimeout,
            sender);
    }

    internal static bool IsAuthenticated(ClaimsPrincipal user)
    {
        foreach (var identity in user.Identities)
        {
            if (identity.IsAuthenticated)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A validated, immutable snapshot of <see cref="WebSocketEndpointOptions"/>.</summary>
internal sealed record ValidatedOptions(
    HashSet<string> AllowedOrigins,
    bool AllowMissingOrigin,
    bool AllowAnonymous,
    int MaxConnections,
    int MaxConnectionsPerUser,
    Func<ClaimsPrincipal, string?> UserKeySelector,
    TimeSpan KeepAliveInterval,
    TimeSpan KeepAliveTimeout,
    int MaxMessageSize,
    TimeSpan CloseTimeout,
    WebSocketSenderOptions Sender);
