using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using WebSocketGuard.AspNetCore.Tests.Infrastructure;

namespace WebSocketGuard.AspNetCore.Tests;

/// <summary>Every refusal happens before the upgrade, with the right status, on a real Kestrel server.</summary>
public sealed class RejectionTests
{
    [Fact]
    public async Task PlainHttpRequest_Gets400()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, app.Http("/ws"));
        request.Headers.Add("Origin", TestApp.TrustedOrigin);
        request.Headers.Add(TestAuthHandler.UserHeader, "alice");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, app.Registry.Count);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://app.example.com")] // scheme differs
    [InlineData("https://app.example.com:8443")] // port differs
    [InlineData("https://app.example.com.evil.example")] // suffix trick
    [InlineData("https://evil.example/https://app.example.com")] // not an origin
    [InlineData("null")] // opaque origin (sandboxed iframe, file://)
    public async Task ForgedOrigin_Gets403(string origin)
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        Assert.Equal(403, await app.StatusOfAsync("/ws", origin, user: "alice"));
        Assert.Equal(0, app.Registry.ReservedCount);
    }

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://APP.Example.com:443")] // same origin, spelled differently
    public async Task ListedOrigin_IsAccepted(string origin)
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        Assert.Equal(101, await app.StatusOfAsync("/ws", origin, user: "alice"));
    }

    [Fact]
    public async Task MissingOrigin_Gets403_UnlessAllowed()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapWebSocket("/strict", Handlers.Echo, Handlers.Trusted);
            a.MapWebSocket("/services", Handlers.Echo, o =>
            {
                Handlers.Trusted(o);
                o.AllowMissingOrigin = true;
            });
        });

        Assert.Equal(403, await app.StatusOfAsync("/strict", origin: null, user: "alice"));
        Assert.Equal(101, await app.StatusOfAsync("/services", origin: null, user: "alice"));

        // A missing Origin is no way around authentication.
        Assert.Equal(401, await app.StatusOfAsync("/services", origin: null, user: null));
    }

    [Fact]
    public async Task UnauthenticatedUser_Gets401_UnlessAnonymousIsAllowed()
    {
        await using var app = await TestApp.StartAsync(a =>
        {
            a.MapWebSocket("/private", Handlers.Echo, Handlers.Trusted);
            a.MapWebSocket("/public", Handlers.Echo, o =>
            {
                Handlers.Trusted(o);
                o.AllowAnonymous = true;
            });
        });

        Assert.Equal(401, await app.StatusOfAsync("/private", user: null));
        Assert.Equal(101, await app.StatusOfAsync("/public", user: null));
    }

    [Fact]
    public async Task ForgedOrigin_IsRefused_EvenForAnAuthenticatedUser()
    {
        // Cross-site WebSocket hijacking: the browser sends the victim's cookies, so the user IS authenticated.
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, Handlers.Trusted));
        Assert.Equal(403, await app.StatusOfAsync("/ws", "https://attacker.example", user: "victim"));
    }

    [Fact]
    public async Task AuthenticatedUser_IsAccepted_AndTheHandlerSeesTheUser()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/whoami", async c =>
        {
            await c.Sender.SendTextAsync($"{c.User.Identity!.Name}|{c.UserKey}|{c.Id.Length > 0}|{c.HttpContext.Request.Path}");
            await Handlers.Listen(c);
        }, Handlers.Trusted));

        var (socket, status) = await app.ConnectAsync("/whoami", user: "alice");
        Assert.Equal(101, status);
        Assert.Equal("alice|alice|True|/whoami", await TestApp.ReceiveTextAsync(socket));
        Assert.Equal(1, app.Registry.Count);
        Assert.Equal(1, app.Registry.CountForUser("alice"));
        await TestApp.CloseAsync(socket);
        await Eventually.True(() => app.Registry.Count == 0, "the registry to empty");
    }

    [Fact]
    public async Task RequireAuthorization_Chains()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/admin", Handlers.Echo, Handlers.Trusted).RequireAuthorization("admin"));

        Assert.Equal(401, await app.StatusOfAsync("/admin", user: null));
        Assert.Equal(403, await app.StatusOfAsync("/admin", user: "bob"));
        Assert.Equal(101, await app.StatusOfAsync("/admin", user: "carol", role: "admin"));
    }

    [Fact]
    public async Task TotalLimit_Gets503_AndFreesUpWhenAConnectionEnds()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, o =>
        {
            Handlers.Trusted(o);
            o.MaxConnections = 2;
        }));

        var (first, s1) = await app.ConnectAsync("/ws", user: "u1");
        var (second, s2) = await app.ConnectAsync("/ws", user: "u2");
        Assert.Equal((101, 101), (s1, s2));
        Assert.Equal(503, await app.StatusOfAsync("/ws", user: "u3"));
        Assert.Equal(2, app.Registry.Count);

        await TestApp.CloseAsync(first);
        await Eventually.True(() => app.Registry.ReservedCount == 1, "the closed connection to give back its slot");
        Assert.Equal(101, await app.StatusOfAsync("/ws", user: "u3"));

        await TestApp.CloseAsync(second);
        await Eventually.True(() => app.Registry.ReservedCount == 0, "every slot to be given back");
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task PerUserLimit_Gets503_ForThatUserOnly()
    {
        await using var app = await TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, o =>
        {
            Handlers.Trusted(o);
            o.MaxConnectionsPerUser = 2;
        }));

        var held = new List<ClientWebSocket>();
        for (var i = 0; i < 2; i++)
        {
            var (socket, status) = await app.ConnectAsync("/ws", user: "alice");
            Assert.Equal(101, status);
            held.Add(socket);
        }

        Assert.Equal(503, await app.StatusOfAsync("/ws", user: "alice"));
        Assert.Equal(2, app.Registry.CountForUser("alice"));

        var (bob, bobStatus) = await app.ConnectAsync("/ws", user: "bob");
        Assert.Equal(101, bobStatus);
        held.Add(bob);

        foreach (var socket in held)
        {
            await TestApp.CloseAsync(socket);
            socket.Dispose();
        }

        await Eventually.True(() => app.Registry.Count == 0 && app.Registry.CountForUser("alice") == 0, "the registry to empty");
    }
}
