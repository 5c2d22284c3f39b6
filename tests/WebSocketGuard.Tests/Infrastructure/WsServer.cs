using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketGuard.Tests.Infrastructure;

/// <summary>A real Kestrel WebSocket server on 127.0.0.1 with a port chosen by the OS. Handlers use the raw socket API only.</summary>
internal sealed class WsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WsServer(WebApplication app, IPEndPoint endPoint)
    {
        _app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public Uri Uri(string path = "/") => new($"ws://127.0.0.1:{EndPoint.Port}{path}");

    /// <summary>Close codes the server received, in order.</summary>
    public ConcurrentQueue<WebSocketCloseStatus?> ClosesReceived { get; } = new();

    public ConcurrentQueue<string> TextReceived { get; } = new();

    public int Accepted => Volatile.Read(ref _accepted);

    private int _accepted;

    /// <summary>Handler for a path; the default ("/") echoes every message back.</summary>
    public ConcurrentDictionary<string, Func<WebSocket, Task>> Handlers { get; } = new();

    public static async Task<WsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WsServer? self = null;
        // Server pings off: tests decide who pings.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            Interlocked.Increment(ref self!._accepted);
            var handler = self.Handlers.TryGetValue(context.Request.Path.Value ?? "/", out var h) ? h : self.EchoAsync;
            try
            {
                await handler(socket);
            }
            catch (Exception)
            {
                // Faults are what these tests cause on purpose.
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new WsServer(app, new IPEndPoint(IPAddress.Loopback, new Uri(address).Port));
        return self;
    }

    public async Task EchoAsync(WebSocket socket)
    {
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                ClosesReceived.Enqueue(socket.CloseStatus);
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }

                return;
            }

            var length = result.Count;
            while (!result.EndOfMessage)
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }

            if (result.MessageType == WebSocketMessageType.Text)
            {
                TextReceived.Enqueue(System.Text.Encoding.UTF8.GetString(buffer, 0, length));
            }

            await socket.SendAsync(buffer.AsMemory(0, length), result.MessageType, true, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
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
