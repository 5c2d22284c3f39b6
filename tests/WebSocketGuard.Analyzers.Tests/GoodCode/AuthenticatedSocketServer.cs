using System;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace GoodCode.AuthenticatedServer;

public static class AuthenticatedSocketServer
{
    public static void AddServices(IServiceCollection services)
    {
        // Every endpoint requires a signed-in user unless it says otherwise.
        services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder()
            .RequireAuthenticatedUser()
            .Build());
    }

    public static void Configure(WebApplication app)
    {
        // Browsers send cookies on cross-site upgrades: only our own front ends may open sockets.
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(30),
            KeepAliveTimeout = TimeSpan.FromSeconds(20),
            AllowedOrigins = { "https://app.example.com" },
        });
        app.UseAuthentication();
        app.UseAuthorization();

        app.Map("/chat", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await RunAsync(socket, context.RequestAborted);
        }).RequireAuthorization();

        var admin = app.MapGroup("/admin").RequireAuthorization("admins");
        admin.Map("/console", async (HttpContext context) =>
        {
            if (context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await RunAsync(socket, context.RequestAborted);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        });

        // The hub's WebSocket transport goes through the same WebSocket middleware, so AllowedOrigins covers it too.
        app.MapHub<NotificationsHub>("/hubs/notifications");
    }

    internal static async Task RunAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }
            }
        }
        catch (WebSocketException)
        {
            socket.Abort();
        }
    }
}

/// <summary>Conventional middleware that rejects anonymous callers before the upgrade.</summary>
public sealed class AuthenticatedSocketMiddleware
{
    private readonly RequestDelegate _next;

    public AuthenticatedSocketMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path != "/feed" || !context.WebSockets.IsWebSocketRequest)
        {
            await _next(context);
            return;
        }

        if (context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await AuthenticatedSocketServer.RunAsync(socket, context.RequestAborted);
    }
}

[Authorize]
public sealed class TickerController : ControllerBase
{
    [HttpGet("/ticker")]
    public async Task Get()
    {
        if (!HttpContext.WebSockets.IsWebSocketRequest)
        {
            HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
        await AuthenticatedSocketServer.RunAsync(socket, HttpContext.RequestAborted);
    }
}

/// <summary>A SignalR hub for signed-in users only.</summary>
[Authorize]
public sealed class NotificationsHub : Hub
{
    public Task Acknowledge(string notificationId) => Clients.Caller.SendAsync("acknowledged", notificationId);
}
