using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class GracefulCloseTests
{
    [Fact]
    public async Task Completes_the_handshake_with_a_live_peer()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        var serverLoop = ReceiveLoop.RunAsync(server, (_, _) => ValueTask.CompletedTask);
        Assert.True(await GracefulClose.CloseAsync(client, WebSocketCloseStatus.NormalClosure, "done"));
        Assert.Equal(WebSocketState.Closed, client.State);
        var result = await Eventually.Within(serverLoop, "server loop ends");
        Assert.Equal(ReceiveLoopOutcome.ClosedByPeer, result.Outcome);
        Assert.Equal("done", result.CloseStatusDescription);
    }

    [Fact]
    public async Task Silent_peer_times_out_and_the_socket_is_aborted()
    {
        var pair = await SocketPair.ConnectAsync();
        using var _ = pair;
        var client = pair.Client();
        var time = new FakeTimeProvider();
        // The raw peer reads nothing and answers nothing.
        var closing = GracefulClose.CloseAsync(client, time, timeout: TimeSpan.FromSeconds(5));
        await Task.Delay(20);
        Assert.False(closing.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await Eventually.Within(closing, "close gives up"));
        Assert.Equal(WebSocketState.Aborted, client.State);
    }

    [Fact]
    public async Task Answers_a_close_the_peer_started()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        var serverClose = server.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        var r = await client.ReceiveAsync(new byte[16], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, r.MessageType);
        Assert.Equal(WebSocketState.CloseReceived, client.State);
        Assert.True(await GracefulClose.CloseAsync(client));
        await Eventually.Within(serverClose, "server close completes");
    }

    [Fact]
    public async Task Caller_cancellation_aborts_and_throws()
    {
        var pair = await SocketPair.ConnectAsync();
        using var _ = pair;
        var client = pair.Client();
        using var cts = new CancellationTokenSource();
        var closing = GracefulClose.CloseAsync(client, timeout: TimeSpan.FromMinutes(1), cancellationToken: cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => closing);
        Assert.Equal(WebSocketState.Aborted, client.State);
    }

    [Fact]
    public async Task Closed_and_aborted_sockets_return_at_once()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        client.Abort();
        Assert.False(await GracefulClose.CloseAsync(client));
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        await Assert.ThrowsAsync<ArgumentNullException>(() => GracefulClose.CloseAsync(null!));
        Assert.Equal("status", (await Assert.ThrowsAsync<ArgumentException>(() => GracefulClose.CloseAsync(client, WebSocketCloseStatus.Empty))).ParamName);
        Assert.Equal("description", (await Assert.ThrowsAsync<ArgumentException>(() => GracefulClose.CloseAsync(client, description: new string('x', 124)))).ParamName);
        Assert.Equal("timeout", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => GracefulClose.CloseAsync(client, timeout: TimeSpan.Zero))).ParamName);
        Assert.Equal("timeout", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => GracefulClose.CloseAsync(client, timeout: Timeout.InfiniteTimeSpan))).ParamName);
        Assert.Equal(WebSocketState.Open, client.State);
    }
}
