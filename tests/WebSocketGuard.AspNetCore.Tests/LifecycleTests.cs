using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using WebSocketGuard.AspNetCore.Tests.Infrastructure;

namespace WebSocketGuard.AspNetCore.Tests;

/// <summary>What happens to an accepted connection: handler runs, fails, returns; the registry always lets go.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Echo_ThroughReaderAndSender_ThenRegistryEmptiesOnClose()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        var (socket, _) = await app.ConnectAsync("/ws", user: "alice");
        using (socket)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal("hello", await TestApp.ReceiveTextAsync(socket));
            await TestApp.CloseAsync(socket);
            Assert.Equal(WebSocketState.Closed, socket.State);
        }

        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.ReservedCount == 0, "the registry to empty");
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task HandlerException_IsLogged_AndTheSocketClosedWith1011()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", async c =>
        {
            await c.Reader.ReadAsync(c.Aborted);
            throw new InvalidOperationException("boom");
        }, Handlers.Trusted));

        var (socket, _) = await app.ConnectAsync("/ws", user: "alice");
        using (socket)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes("go"), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal("<close 1011>", await TestApp.ReceiveTextAsync(socket));
            await TestApp.CloseAsync(socket);
        }

        await Eventually.True(() => app.Registry.Count == 0, "the registry to empty");
        var error = Assert.Single(app.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.IsType<InvalidOperationException>(error.Exception);
        Assert.Equal("WebSocketGuard.AspNetCore.WebSocketEndpoint", error.Category);
    }

    [Fact]
    public async Task HandlerReturn_DeliversWhatWasQueued_ThenClosesWith1000()
    {
        const int count = 200;
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", async c =>
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await c.Sender.SendTextAsync($"m{i}"));
            }
        }, Handlers.Trusted));

        var (socket, _) = await app.ConnectAsync("/ws", user: "alice");
        using (socket)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.Equal($"m{i}", await TestApp.ReceiveTextAsync(socket));
            }

            Assert.Equal("<close 1000>", await TestApp.ReceiveTextAsync(socket));
            await TestApp.CloseAsync(socket);
        }

        await Eventually.True(() => app.Registry.Count == 0, "the registry to empty");
    }

    [Fact]
    public async Task ClientVanishing_EndsTheConnection_WithoutAnErrorLog()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        var (socket, _) = await app.ConnectAsync("/ws", user: "alice");
        await Eventually.True(() => app.Registry.Count == 1, "the connection to register");
        socket.Abort();
        socket.Dispose();
        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.ReservedCount == 0, "the registry to empty");
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    // .NET 8 has no KeepAliveTimeout: there a vanished client is noticed by the send timeout (see the slow-consumer tests).
#if NET9_0_OR_GREATER
    [Fact]
    public async Task KeepAliveTimeout_AbortsAClientThatStopsAnsweringPings()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Listen, o =>
        {
            Handlers.Trusted(o);
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
            o.KeepAliveTimeout = TimeSpan.FromMilliseconds(500);
        }));

        // A raw client: completes the handshake, then never reads a ping nor sends a pong.
        using var tcp = await RawHandshakeAsync(app, "/ws");
        await Eventually.True(() => app.Registry.Count == 1, "the silent client to be accepted");

        await Eventually.True(() => app.Registry.Count == 0, "the keep-alive timeout to end the silent connection");
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }
#endif

    /// <summary>A raw TCP client that completes the WebSocket handshake and then does nothing at all.</summary>
    private static async Task<Socket> RawHandshakeAsync(TestApp app, string path, int? receiveBuffer = null)
    {
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }

        await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, app.Port));
        var handshake = $"GET {path} HTTP/1.1\r\n" +
            $"Host: 127.0.0.1:{app.Port}\r\n" +
            "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            $"Origin: {TestApp.TrustedOrigin}\r\n{TestAuthHandler.UserHeader}: silent\r\n\r\n";
        await tcp.SendAsync(Encoding.ASCII.GetBytes(handshake));

        // Read exactly the response head, byte by byte, so no frame after it is consumed.
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            Assert.Equal(1, await tcp.ReceiveAsync(one));
            head.Add(one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(head.ToArray()));
        return tcp;
    }

    [Fact]
    public async Task HandlerReturn_WithAClientThatNeverAnswersTheClose_IsBoundedByCloseTimeout()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", _ => Task.CompletedTask, o =>
        {
            Handlers.Trusted(o);
            o.CloseTimeout = TimeSpan.FromMilliseconds(500);
        }));

        using var tcp = await RawHandshakeAsync(app, "/ws");
        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.ReservedCount == 0, "the close to give up and the registry to empty");
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task OversizedMessage_IsClosedWith1009_WithoutAnErrorLog()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, o =>
        {
            Handlers.Trusted(o);
            o.MaxMessageSize = 1024;
        }));

        var (socket, _) = await app.ConnectAsync("/ws", user: "alice");
        using (socket)
        {
            await socket.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Equal(1024, (await TestApp.ReceiveTextAsync(socket)).Length);
            await socket.SendAsync(new byte[2000], WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Equal("<close 1009>", await TestApp.ReceiveTextAsync(socket));
            await TestApp.CloseAsync(socket);
        }

        await Eventually.True(() => app.Registry.Count == 0, "the registry to empty");
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task WaitPolicy_AFullSenderDelaysOnlyTheBroadcastsCompletion_NotTheOtherClients()
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapWebSocket("/feed", Handlers.Listen, o =>
            {
                Handlers.Trusted(o);
                o.Sender = new WebSocketSenderOptions { MaxQueuedMessages = 2, OverflowPolicy = SendOverflowPolicy.Wait, WaitTimeout = TimeSpan.FromMinutes(1) };
            }),
            listen: l => l.Use(next => context =>
            {
                if (context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } s)
                {
                    s.SendBufferSize = 4096;
                }

                return next(context);
            }));

        var (reader, _) = await app.ConnectAsync("/feed", user: "reader");
        using var idle = await RawHandshakeAsync(app, "/feed", receiveBuffer: 4096); // never reads
        await Eventually.True(() => app.Registry.Count == 2, "both connections to register");

        var payload = new byte[16 * 1024];
        using var cts = new CancellationTokenSource();
        ValueTask<BroadcastResult> broadcast = default;
        var stalled = false;
        for (var i = 0; i < 400 && !stalled; i++)
        {
            broadcast = app.Registry.BroadcastAsync(payload, WebSocketMessageType.Binary, cts.Token);

            // The reader gets every message, including the one the broadcast is still waiting to queue for the non-reader.
            Assert.Equal(payload.Length, (await TestApp.ReceiveTextAsync(reader)).Length);
            stalled = !broadcast.IsCompleted;
            if (!stalled)
            {
                Assert.Equal(new BroadcastResult(2, 0), await broadcast);
            }
        }

        Assert.True(stalled, "the non-reader's sender never filled up");
        cts.Cancel();
        Assert.Equal(new BroadcastResult(1, 1), await broadcast);
        await TestApp.CloseAsync(reader);
        reader.Dispose();
    }

    [Fact]
    public async Task Groups_ReceiveTheirBroadcasts_AndEmptyWhenMembersLeave()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/room/{name}", async c =>
        {
            c.JoinGroup((string)c.HttpContext.GetRouteValue("name")!);
            await c.Sender.SendTextAsync("joined");
            await Handlers.Listen(c);
        }, Handlers.Trusted));

        var (red1, _) = await app.ConnectAsync("/room/red", user: "a");
        var (red2, _) = await app.ConnectAsync("/room/red", user: "b");
        var (blue, _) = await app.ConnectAsync("/room/blue", user: "c");
        foreach (var s in new[] { red1, red2, blue })
        {
            Assert.Equal("joined", await TestApp.ReceiveTextAsync(s));
        }

        Assert.Equal(2, app.Registry.GroupCount("red"));
        Assert.Equal(1, app.Registry.GroupCount("blue"));
        var red1Id = Assert.Single(app.Registry.GetConnections(), c => c.UserKey == "a").Id;
        Assert.True(app.Registry.TryGetConnection(red1Id, out var red1Connection));
        Assert.Equal(["red"], red1Connection.Groups);

        var result = await app.Registry.BroadcastTextToGroupAsync("red", "to red");
        Assert.Equal(new BroadcastResult(2, 0), result);
        Assert.Equal("to red", await TestApp.ReceiveTextAsync(red1));
        Assert.Equal("to red", await TestApp.ReceiveTextAsync(red2));

        Assert.Equal(new BroadcastResult(3, 0), await app.Registry.BroadcastTextAsync("to all"));
        foreach (var s in new[] { red1, red2, blue })
        {
            Assert.Equal("to all", await TestApp.ReceiveTextAsync(s));
        }

        Assert.True(red1Connection.LeaveGroup("red"));
        Assert.Equal(1, app.Registry.GroupCount("red"));

        foreach (var s in new[] { red1, red2, blue })
        {
            await TestApp.CloseAsync(s);
            s.Dispose();
        }

        await Eventually.True(() => app.Registry.Count == 0, "the registry to empty");
        Assert.Equal(0, app.Registry.GroupCount("red"));
        Assert.Equal(0, app.Registry.GroupCount("blue"));
        Assert.Empty(app.Registry.GetGroup("red"));
    }

    [Fact]
    public async Task WebSocketAccept_InOwnMiddleware_AppliesTheSameChecks()
    {
        var options = new WebSocketEndpointOptions { MaxConnections = 1 };
        options.AllowedOrigins.Add(TestApp.TrustedOrigin);
        await using var app = await TestApp.StartAsync(a => a.Use(async (context, next) =>
        {
            if (context.Request.Path != "/manual")
            {
                await next(context);
                return;
            }

            await using var connection = await WebSocketAccept.AcceptAsync(context, options);
            if (connection is null)
            {
                return;
            }

            await Handlers.Echo(connection);
        }));

        using (var http = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(app.Http("/manual"))).StatusCode);
        }

        Assert.Equal(403, await app.StatusOfAsync("/manual", "https://evil.example", user: "alice"));
        Assert.Equal(401, await app.StatusOfAsync("/manual", user: null));

        var (socket, status) = await app.ConnectAsync("/manual", user: "alice");
        Assert.Equal(101, status);
        Assert.Equal(503, await app.StatusOfAsync("/manual", user: "bob"));
        await socket.SendAsync(Encoding.UTF8.GetBytes("manual"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("manual", await TestApp.ReceiveTextAsync(socket));
        await TestApp.CloseAsync(socket);
        socket.Dispose();
        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.ReservedCount == 0, "the registry to empty");
    }

    [Fact]
    public async Task WebSocketAccept_WithoutOptions_UsesTheConfiguredOnes()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["WebSockets:AllowedOrigins:0"] = "https://configured.example",
            ["WebSockets:AllowAnonymous"] = "true",
        };
        await using var app = await TestApp.StartAsync(
            a => a.Run(async context =>
            {
                await using var connection = await WebSocketAccept.AcceptAsync(context);
                if (connection is not null)
                {
                    await Handlers.Echo(connection);
                }
            }),
            configuration);

        Assert.Equal(101, await app.StatusOfAsync("/any", "https://configured.example"));
        Assert.Equal(403, await app.StatusOfAsync("/any", TestApp.TrustedOrigin));
    }

    [Fact]
    public async Task WorksWithUseWebSocketsToo()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.UseWebSockets();
            a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted);
        });

        Assert.Equal(101, await app.StatusOfAsync("/ws", user: "alice"));
        Assert.Equal(403, await app.StatusOfAsync("/ws", "https://evil.example", user: "alice"));
    }
}
