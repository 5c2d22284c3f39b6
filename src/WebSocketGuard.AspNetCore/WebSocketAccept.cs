using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace WebSocketGuard.AspNetCore;

/// <summary>
/// The checks of <see cref="WebSocketEndpointRouteBuilderExtensions.MapWebSocket"/> for code that accepts inside its own
/// middleware or controller: 400 for a request that is not a WebSocket request, 403 for an Origin not on the allow-list,
/// 401 for an unauthenticated user, 503 past the connection limits; then keep-alive, accept and registration.
/// </summary>
/// <example>
/// <code>
/// app.Use(async (context, next) =>
/// {
///     if (context.Request.Path != "/ws") { await next(context); return; }
///     await using var connection = await WebSocketAccept.AcceptAsync(context);
///     if (connection is null) return; // the status code is already set
///     await RunAsync(connection);       // await the work: the connection ends with the request
/// });
/// </code>
/// </example>
public static class WebSocketAccept
{
    internal const string LoggerCategory = "WebSocketGuard.AspNetCore.WebSocketAccept";

    /// <summary>The configured (DI) options are validated once, not on every request.</summary>
    private static readonly ConditionalWeakTable<WebSocketEndpointOptions, ValidatedOptions> ConfiguredSnapshots = new();

    /// <summary>
    /// Checks the request and, when it passes, accepts it and registers the connection. On rejection the response status
    /// (400, 403, 401 or 503) is set and <see langword="null"/> returned.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="options">
    /// The checks and bounds, validated on each call; when null, the options registered by
    /// <see cref="WebSocketGuardServiceCollectionExtensions.AddWebSocketGuard"/> (bound from <c>WebSockets</c> in configuration),
    /// validated once and then reused.
    /// </param>
    /// <returns>
    /// The connection, or <see langword="null"/> when the request was refused. Dispose the connection when done
    /// (<c>await using</c>): that closes it properly and removes it from the registry. Await its work before the request returns.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketGuard</c> was not called (no <see cref="WebSocketConnectionRegistry"/> in the services).</exception>
    public static Task<WebSocketConnection?> AcceptAsync(HttpContext context, WebSocketEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var services = context.RequestServices ?? throw new InvalidOperationException("HttpContext.RequestServices is null; WebSocketAccept needs the application's services.");
        var registry = GetRegistry(services);
        var snapshot = options is not null
            ? options.Snapshot()
            : ConfiguredSnapshots.GetValue(services.GetService<IOptions<WebSocketEndpointOptions>>()?.Value ?? new WebSocketEndpointOptions(), static o => o.Snapshot());
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;
        return AcceptCoreAsync(context, snapshot, registry, logger);
    }

    internal static WebSocketConnectionRegistry GetRegistry(IServiceProvider services) =>
        services.GetService<WebSocketConnectionRegistry>()
        ?? throw new InvalidOperationException("No WebSocketConnectionRegistry is registered. Call services.AddWebSocketGuard() (builder.Services.AddWebSocketGuard(builder.Configuration)) when configuring services.");

    internal static async Task<WebSocketConnection?> AcceptCoreAsync(HttpContext context, ValidatedOptions options, WebSocketConnectionRegistry registry, ILogger logger)
    {
        await EnsureWebSocketFeatureAsync(context).ConfigureAwait(false);

        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Reject(context, logger, StatusCodes.Status400BadRequest, "not a WebSocket request");
        }

        var origins = context.Request.Headers.Origin;
        if (origins.Count == 0)
        {
            if (!options.AllowMissingOrigin)
            {
                return Reject(context, logger, StatusCodes.Status403Forbidden, "no Origin header and AllowMissingOrigin is off");
            }
        }
        else if (origins.Count > 1
            || !OriginMatcher.TryNormalizeRequestOrigin(origins[0], out var origin)
            || !options.AllowedOrigins.Contains(origin))
        {
            return Reject(context, logger, StatusCodes.Status403Forbidden, $"Origin '{origins}' is not allowed");
        }

        var user = context.User;
        if (!options.AllowAnonymous && !WebSocketEndpointOptions.IsAuthenticated(user))
        {
            return Reject(context, logger, StatusCodes.Status401Unauthorized, "the user is not authenticated");
        }

        var userKey = options.UserKeySelector(user);
        if (!registry.TryReserve(userKey, options.MaxConnections, options.MaxConnectionsPerUser))
        {
            return Reject(context, logger, StatusCodes.Status503ServiceUnavailable, userKey is null ? "the connection limit is reached" : "the connection limit (total or per user) is reached");
        }

        WebSocket socket;
        try
        {
            var accept = new WebSocketAcceptContext
            {
                KeepAliveInterval = options.KeepAliveInterval,
#if NET9_0_OR_GREATER
                KeepAliveTimeout = options.KeepAliveTimeout,
#endif
            };
            socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
        }
        catch
        {
            registry.Release(userKey);
            throw;
        }

        WebSocketConnection connection;
        try
        {
            connection = new WebSocketConnection(NewId(), socket, context, userKey, options, registry);
            registry.Register(connection);
        }
        catch
        {
            registry.Release(userKey);
            socket.Abort();
            socket.Dispose();
            throw;
        }

        Log.Accepted(logger, connection.Id, context.Request.Path.Value, userKey);
        return connection;
    }

    private static WebSocketConnection? Reject(HttpContext context, ILogger logger, int status, string reason)
    {
        Log.Rejected(logger, status, context.Request.Path.Value, reason);
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = status;
        }

        return null;
    }

    /// <summary>
    /// Puts the WebSocket feature on the request when <c>UseWebSockets</c> was not called, so <c>MapWebSocket</c> and
    /// <see cref="AcceptAsync"/> work either way. Origin checks stay ours (the middleware is given no allow-list).
    /// </summary>
    private static Task EnsureWebSocketFeatureAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpWebSocketFeature>() is not null)
        {
            return Task.CompletedTask;
        }

        var loggerFactory = context.RequestServices?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var middleware = new WebSocketMiddleware(static _ => Task.CompletedTask, Options.Create(new WebSocketOptions()), loggerFactory);
        return middleware.Invoke(context);
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}
