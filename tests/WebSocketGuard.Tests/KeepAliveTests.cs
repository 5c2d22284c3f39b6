using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class KeepAliveTests
{
    [Fact]
    public async Task Watchdog_aborts_a_silent_socket_after_the_idle_timeout()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        var time = new FakeTimeProvider();
        using var watched = KeepAlive.WithIdleTimeout(client, TimeSpan.FromSeconds(10), time);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(WebSocketState.Open, client.State);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(WebSocketState.Aborted, client.State);
        Assert.True(watched.TimedOut);
    }

    [Fact]
    public async Task Watchdog_is_reset_by_arriving_messages()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        var time = new FakeTimeProvider();
        using var watched = KeepAlive.WithIdleTimeout(client, TimeSpan.FromSeconds(10), time);
        using var reader = new WebSocketMessageReader(watched);
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(7));
            var read = reader.ReadAsync().AsTask();
            await server.SendAsync("beat"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await Eventually.Within(read, "heartbeat read");
        }

        // 21 s have passed, but never 10 s of silence.
        Assert.Equal(WebSocketState.Open, client.State);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketState.Aborted, client.State);
    }

    [Fact]
    public async Task Disposed_watchdog_does_nothing()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        var time = new FakeTimeProvider();
        var watched = KeepAlive.WithIdleTimeout(client, TimeSpan.FromSeconds(1), time);
        watched.Dispose();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(watched.TimedOut);
    }

    [Fact]
    public void Arguments_are_validated()
    {
        var socket = new GatedWebSocket();
        Assert.Throws<ArgumentNullException>(() => KeepAlive.WithIdleTimeout(null!, TimeSpan.FromSeconds(1)));
        Assert.Equal("idleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => KeepAlive.WithIdleTimeout(socket, TimeSpan.Zero)).ParamName);
        Assert.Equal("idleTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => KeepAlive.WithIdleTimeout(socket, Timeout.InfiniteTimeSpan)).ParamName);
    }

#if NET9_0_OR_GREATER
    [Fact]
    public void Configure_sets_interval_and_timeout_on_net10()
    {
        using var client = new ClientWebSocket();
        Assert.True(KeepAlive.Configure(client.Options, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromSeconds(3), client.Options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(4), client.Options.KeepAliveTimeout);
    }
#else
    [Fact]
    public void Configure_sets_only_the_interval_and_says_so_on_net8()
    {
        using var client = new ClientWebSocket();
        Assert.False(KeepAlive.Configure(client.Options, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromSeconds(3), client.Options.KeepAliveInterval);
    }
#endif
}
