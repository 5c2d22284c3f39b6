using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class ReceiveLoopTests
{
    private static Func<WebSocketMessage, CancellationToken, ValueTask> Collect(ConcurrentQueue<string> into) =>
        (m, _) =>
        {
            into.Enqueue(m.GetText());
            return ValueTask.CompletedTask;
        };

    [Fact]
    public async Task Peer_close_is_answered_and_reported()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        var got = new ConcurrentQueue<string>();
        var loop = ReceiveLoop.RunAsync(client, Collect(got));
        await server.SendAsync("one"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await server.SendAsync("two"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        // The server's CloseAsync completes only if the loop answers.
        await Eventually.Within(server.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "restart", CancellationToken.None), "close handshake");
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.ClosedByPeer, result.Outcome);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, result.CloseStatus);
        Assert.Equal("restart", result.CloseStatusDescription);
        Assert.Equal(new[] { "one", "two" }, got);
        Assert.Equal(WebSocketState.Closed, client.State);
    }

    [Fact]
    public async Task Tcp_reset_is_peer_vanished()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        var loop = ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask);
        pair.ResetServer();
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.PeerVanished, result.Outcome);
        Assert.NotNull(result.Exception);
    }

    [Fact]
    public async Task Clean_tcp_close_without_handshake_is_peer_vanished()
    {
        var pair = await SocketPair.ConnectAsync();
        using var _ = pair;
        var client = pair.Client();
        var loop = ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask);
        pair.ServerSocket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.PeerVanished, result.Outcome);
    }

    [Fact]
    public async Task Cancellation_is_reported_as_cancelled()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        using var cts = new CancellationTokenSource();
        var loop = ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask, cancellationToken: cts.Token);
        await Task.Delay(20);
        cts.Cancel();
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.Cancelled, result.Outcome);
    }

    [Fact]
    public async Task Handler_failure_closes_with_1011()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        var loop = ReceiveLoop.RunAsync(client, (_, _) => throw new FormatException("bad input"));
        await server.SendAsync("x"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.HandlerFailed, result.Outcome);
        Assert.IsType<FormatException>(result.Exception);
        var r = await server.ReceiveAsync(new byte[64], CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, r.MessageType);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, server.CloseStatus);
    }

    [Fact]
    public async Task Oversized_message_is_message_too_big()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        var loop = ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask, new ReceiveLoopOptions { MaxMessageSize = 1000 });
        await server.SendAsync(new byte[1001], WebSocketMessageType.Binary, true, CancellationToken.None);
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.MessageTooBig, result.Outcome);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, result.CloseStatus);
        await server.ReceiveAsync(new byte[64], CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, server.CloseStatus);
    }

    [Fact]
    public async Task Garbage_frame_is_protocol_error()
    {
        var pair = await SocketPair.ConnectAsync();
        using var _ = pair;
        var client = pair.Client();
        var loop = ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask);
        // FIN + reserved bits + an undefined opcode: not a valid frame.
        await pair.ServerSocket.SendAsync(new byte[] { 0xFF, 0x00 });
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.ProtocolError, result.Outcome);
    }

#if NET9_0_OR_GREATER
    [Fact]
    public async Task Framework_keep_alive_timeout_is_classified()
    {
        // .NET 9+: the client pings every 200 ms and gives up 300 ms after an unanswered ping; the raw peer never answers.
        var pair = await SocketPair.ConnectAsync();
        using var _ = pair;
        var client = WebSocket.CreateFromStream(new System.Net.Sockets.NetworkStream(pair.ClientSocket, true), new WebSocketCreationOptions
        {
            IsServer = false,
            KeepAliveInterval = TimeSpan.FromMilliseconds(200),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        });
        var started = DateTime.UtcNow;
        var result = await Eventually.Within(ReceiveLoop.RunAsync(client, (_, _) => ValueTask.CompletedTask), "keep-alive timeout");
        Assert.Equal(ReceiveLoopOutcome.KeepAliveTimeout, result.Outcome);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }
#endif

    [Fact]
    public async Task Idle_watchdog_timeout_is_classified()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        var time = new FakeTimeProvider();
        var watched = KeepAlive.WithIdleTimeout(client, TimeSpan.FromSeconds(50), time);
        var loop = ReceiveLoop.RunAsync(watched, (_, _) => ValueTask.CompletedTask);
        time.Advance(TimeSpan.FromSeconds(50));
        var result = await Eventually.Within(loop, "loop ends");
        Assert.Equal(ReceiveLoopOutcome.KeepAliveTimeout, result.Outcome);
        Assert.True(watched.TimedOut);
    }

    [Theory]
    [InlineData(WebSocketError.ConnectionClosedPrematurely, ReceiveLoopOutcome.PeerVanished)]
    [InlineData(WebSocketError.HeaderError, ReceiveLoopOutcome.ProtocolError)]
    [InlineData(WebSocketError.InvalidMessageType, ReceiveLoopOutcome.ProtocolError)]
    [InlineData(WebSocketError.UnsupportedProtocol, ReceiveLoopOutcome.ProtocolError)]
    public void Classify_maps_socket_errors(WebSocketError error, ReceiveLoopOutcome expected)
    {
        var socket = new GatedWebSocket();
        Assert.Equal(expected, ReceiveLoop.Classify(new WebSocketException(error), socket, CancellationToken.None).Outcome);
    }

    [Fact]
    public void Classify_prefers_cancellation_and_io_failures()
    {
        var socket = new GatedWebSocket();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Equal(ReceiveLoopOutcome.Cancelled, ReceiveLoop.Classify(new OperationCanceledException(cts.Token), socket, cts.Token).Outcome);
        Assert.Equal(ReceiveLoopOutcome.PeerVanished, ReceiveLoop.Classify(new OperationCanceledException("Aborted"), socket, CancellationToken.None).Outcome);
        Assert.Equal(ReceiveLoopOutcome.PeerVanished, ReceiveLoop.Classify(new WebSocketException(WebSocketError.Faulted, new IOException("reset")), socket, CancellationToken.None).Outcome);
        Assert.Equal(ReceiveLoopOutcome.KeepAliveTimeout, ReceiveLoop.Classify(new OperationCanceledException("x", new WebSocketException(WebSocketError.Faulted, "The WebSocket didn't receive a Pong frame in response to a Ping frame within the configured KeepAliveTimeout.")), socket, CancellationToken.None).Outcome);
        Assert.Equal(ReceiveLoopOutcome.MessageTooBig, ReceiveLoop.Classify(new WebSocketMessageTooBigException(10), socket, CancellationToken.None).Outcome);
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var socket = new GatedWebSocket();
        await Assert.ThrowsAsync<ArgumentNullException>(() => ReceiveLoop.RunAsync(null!, (_, _) => default));
        await Assert.ThrowsAsync<ArgumentNullException>(() => ReceiveLoop.RunAsync(socket, null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ReceiveLoop.RunAsync(socket, (_, _) => default, new ReceiveLoopOptions { MaxMessageSize = -1 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ReceiveLoop.RunAsync(socket, (_, _) => default, new ReceiveLoopOptions { CloseTimeout = TimeSpan.Zero }));
    }
}
