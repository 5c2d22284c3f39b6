using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace WebSocketGuard.AspNetCore;

/// <summary>Maps WebSocket endpoints that check, bound and clean up every connection.</summary>
public static class WebSocketEndpointRouteBuilderExtensions
{
    internal const string LoggerCategory = "WebSocketGuard.AspNetCore.WebSocketEndpoint";

    /// <summary>
    /// Maps a WebSocket endpoint. Before the upgrade it answers 400 to a request that is not a WebSocket request, 403 to an
    /// Origin not on <see cref="WebSocketEndpointOptions.AllowedOrigins"/> (or a missing Origin unless
    /// <see cref="WebSocketEndpointOptions.AllowMissingOrigin"/>), 401 to an unauthenticated user unless
    /// <see cref="WebSocketEndpointOptions.AllowAnonymous"/>, and 503 past <see cref="WebSocketEndpointOptions.MaxConnections"/>
    /// or <see cref="WebSocketEndpointOptions.MaxConnectionsPerUser"/>. Then it accepts with keep-alive configured, registers the
    /// connection and runs <paramref name="handler"/> for the life of the connection.
    /// </summary>
    /// <remarks>
    /// <para>When the handler returns, the sender's queue is drained and the connection closed with 1000; when it throws, the
    /// exception is logged (unless it is just the client going away) and the connection closed with 1011. Either way the
    /// socket is released and the connection leaves the registry.</para>
    /// <para><c>UseWebSockets</c> is not required. Chain <c>.RequireAuthorization(policy)</c> on the result for policy checks.</para>
    /// </remarks>
    /// <param name="endpoints">The route builder (<c>app</c>).</param>
    /// <param name="pattern">The route pattern, for example <c>/ws</c>.</param>
    /// <param name="handler">Runs the connection; the connection ends when the returned task completes.</param>
    /// <param name="configure">
    /// Adjusts this endpoint's options, starting from a copy of those registered by
    /// <see cref="WebSocketGuardServiceCollectionExtensions.AddWebSocketGuard"/> (configuration section <c>WebSockets</c>).
    /// </param>
    /// <returns>The endpoint convention builder, so conventions such as <c>RequireAuthorization</c> chain.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="endpoints"/>, <paramref name="pattern"/> or <paramref name="handler"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is empty, or an option is invalid.</exception>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketGuard</c> was not called.</exception>
    public static IEndpointConventionBuilder MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Func<WebSocketConnection, Task> handler, Action<WebSocketEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new ArgumentException("The route pattern must not be empty; use something like \"/ws\".", nameof(pattern));
        }

        var services = endpoints.ServiceProvider;
        var registry = WebSocketAccept.GetRegistry(services);
        var options = (services.GetService<IOptions<WebSocketEndpointOptions>>()?.Value ?? new WebSocketEndpointOptions()).Clone();
        configure?.Invoke(options);
        var snapshot = options.Snapshot();
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;

        return endpoints
            .Map(pattern, context => RunAsync(context, snapshot, registry, logger, handler))
            .WithDisplayName($"WebSocket {pattern}");
    }

    private static async Task RunAsync(HttpContext context, ValidatedOptions options, WebSocketConnectionRegistry registry, ILogger logger, Func<WebSocketConnection, Task> handler)
    {
        var connection = await WebSocketAccept.AcceptCoreAsync(context, options, registry, logger).ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        var status = WebSocketCloseStatus.NormalClosure;
        string? description = null;
        try
        {
            await handler(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionLoss(ex, connection))
        {
            Log.ConnectionLost(logger, connection.Id, ex.Message);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(logger, ex, connection.Id, context.Request.Path.Value);
            status = WebSocketCloseStatus.InternalServerError;
            description = "Server error";
        }
        finally
        {
            try
            {
                var completed = await connection.CloseAsync(status, description).ConfigureAwait(false);
                Log.Closed(logger, connection.Id, completed);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The client or the network ended the connection; not a handler bug worth an error log.</summary>
    private static bool IsConnectionLoss(Exception ex, WebSocketConnection connection)
    {
        if (ex is not (WebSocketException or IOException or OperationCanceledException or ConnectionAbortedException or ObjectDisposedException))
        {
            return false;
        }

        return ex is WebSocketMessageTooBigException
            || connection.Aborted.IsCancellationRequested
            || connection.Socket.State is WebSocketState.Aborted or WebSocketState.Closed or WebSocketState.CloseReceived
            || ex is WebSocketException { WebSocketErrorCode: WebSocketError.ConnectionClosedPrematurely };
    }
}
