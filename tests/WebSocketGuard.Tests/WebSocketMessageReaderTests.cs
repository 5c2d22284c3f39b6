using System.Net.WebSockets;
using System.Text;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

public class WebSocketMessageReaderTests
{
    private static Task SendFragmentsAsync(WebSocket socket, WebSocketMessageType type, params string[] fragments) =>
        SendFragmentsCoreAsync(socket, type, fragments);

    private static async Task SendFragmentsCoreAsync(WebSocket socket, WebSocketMessageType type, string[] fragments)
    {
        for (var i = 0; i < fragments.Length; i++)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(fragments[i]), type, i == fragments.Length - 1, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Fragments_are_joined_into_one_message()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client);
        await SendFragmentsAsync(server, WebSocketMessageType.Text, "hel", "lo ", "", "world");
        await SendFragmentsAsync(server, WebSocketMessageType.Binary, "second");

        var first = await reader.ReadAsync();
        Assert.Equal(WebSocketMessageType.Text, first.MessageType);
        Assert.Equal("hello world", first.GetText());
        var second = await reader.ReadAsync();
        Assert.Equal(WebSocketMessageType.Binary, second.MessageType);
        Assert.Equal("second", second.GetText());
    }

    [Fact]
    public async Task Large_fragmented_message_grows_the_buffer()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client, 100_000);
        var payload = new byte[100_000];
        new Random(3).NextBytes(payload);
        var send = Task.Run(async () =>
        {
            for (var offset = 0; offset < payload.Length; offset += 7_000)
            {
                var n = Math.Min(7_000, payload.Length - offset);
                await server.SendAsync(payload.AsMemory(offset, n), WebSocketMessageType.Binary, offset + n == payload.Length, CancellationToken.None);
            }
        });

        var message = await reader.ReadAsync();
        await send;
        Assert.True(payload.AsSpan().SequenceEqual(message.Payload.Span));
    }

    [Fact]
    public async Task Empty_message_is_returned()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client);
        await server.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, true, CancellationToken.None);
        var message = await reader.ReadAsync();
        Assert.Equal(WebSocketMessageType.Text, message.MessageType);
        Assert.True(message.Payload.IsEmpty);
        Assert.False(reader.HoldsBuffer);
    }

    [Fact]
    public async Task Close_is_returned_as_a_message_not_thrown()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client);
        var closing = server.CloseAsync(WebSocketCloseStatus.PolicyViolation, "bye", CancellationToken.None);
        var message = await reader.ReadAsync();
        Assert.True(message.IsClose);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, message.CloseStatus);
        Assert.Equal("bye", message.CloseStatusDescription);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await closing.WaitAsync(Eventually.Generous);
    }

    [Fact]
    public async Task Idle_reader_holds_no_buffer()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client);
        var pending = reader.ReadAsync().AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        Assert.False(reader.HoldsBuffer);
        await server.SendAsync("x"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var message = await pending;
        Assert.Equal("x", message.GetText());
        Assert.True(reader.HoldsBuffer);
        var next = reader.ReadAsync().AsTask();
        Assert.False(reader.HoldsBuffer);
        reader.Dispose();
        client.Abort();
        await Assert.ThrowsAnyAsync<Exception>(() => next);
    }

    [Fact]
    public async Task Message_exactly_at_the_limit_is_accepted()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client, 4096);
        await server.SendAsync(new byte[4096], WebSocketMessageType.Binary, false, CancellationToken.None);
        await server.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, true, CancellationToken.None);
        var message = await reader.ReadAsync();
        Assert.Equal(4096, message.Payload.Length);
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var (pair, client, _) = await SocketPair.WebSocketsAsync();
        using var __ = pair;
        Assert.Throws<ArgumentNullException>(() => new WebSocketMessageReader(null!));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new WebSocketMessageReader(client, 0));
        Assert.Equal("maxMessageSize", ex.ParamName);
        var reader = new WebSocketMessageReader(client);
        reader.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await reader.ReadAsync());
    }
}
