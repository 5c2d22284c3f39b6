using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketGuard.AspNetCore.Tests.Infrastructure;

/// <summary>A real Kestrel server on 127.0.0.1 (port chosen by the OS) with test authentication and WebSocketGuard registered.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    public const string TrustedOrigin = "https://app.example.com";

    private readonly WebApplication _app;

    private TestApp(WebApplication app, int port, LogSink logs)
    {
        _app = app;
        Port = port;
        Logs = logs;
    }

    public int Port { get; }

    public LogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    public WebSocketConnectionRegistry Registry => _app.Services.GetRequiredService<WebSocketConnectionRegistry>();

    public Uri Ws(string path) => new($"ws://127.0.0.1:{Port}{path}");

    public Uri Http(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Starts a server; <paramref name="map"/> adds endpoints and middleware after authentication and authorization.</summary>
    public static async Task<TestApp> StartAsync(
        Action<WebApplication> map,
        Dictionary<string, string?>? configuration = null,
        bool addGuard = true,
        Action<ListenOptions>? listen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new LogSink();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("WebSocketGuard", LogLevel.Debug);
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => listen?.Invoke(o));
            k.Limits.MaxConcurrentConnections = null;
            k.Limits.MaxConcurrentUpgradedConnections = null;
        });
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy("admin", p => p.RequireRole("admin")));
        builder.Services.AddRouting();
        if (addGuard)
        {
            builder.Services.AddWebSocketGuard(builder.Configuration);
        }

        var app = builder.Build();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestApp(app, new Uri(address).Port, logs);
    }

    /// <summary>Connects a <see cref="ClientWebSocket"/>; returns it with the handshake's HTTP status (101 on success).</summary>
    public async Task<(ClientWebSocket Socket, int Status)> ConnectAsync(string path, string? origin = TrustedOrigin, string? user = null, string? role = null, HttpMessageInvoker? invoker = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        if (user is not null)
        {
            socket.Options.SetRequestHeader(TestAuthHandler.UserHeader, user);
        }

        if (role is not null)
        {
            socket.Options.SetRequestHeader(TestAuthHandler.RoleHeader, role);
        }

        using var cts = new CancellationTokenSource(Eventually.Generous);
        try
        {
            if (invoker is null)
            {
                await socket.ConnectAsync(Ws(path), cts.Token);
            }
            else
            {
                await socket.ConnectAsync(Ws(path), invoker, cts.Token);
            }
        }
        catch (WebSocketException)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            return (socket, status);
        }

        return (socket, (int)socket.HttpStatusCode);
    }

    public async Task<int> StatusOfAsync(string path, string? origin = TrustedOrigin, string? user = null, string? role = null)
    {
        var (socket, status) = await ConnectAsync(path, origin, user, role);
        if (socket.State == WebSocketState.Open)
        {
            await CloseAsync(socket);
        }

        socket.Dispose();
        return status;
    }

    public static async Task CloseAsync(ClientWebSocket socket)
    {
        using var cts = new CancellationTokenSource(Eventually.Generous);
        try
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }

    public static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var count = 0;
        using var cts = new CancellationTokenSource(Eventually.Generous);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return $"<close {(int?)socket.CloseStatus}>";
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return System.Text.Encoding.UTF8.GetString(buffer, 0, count);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
