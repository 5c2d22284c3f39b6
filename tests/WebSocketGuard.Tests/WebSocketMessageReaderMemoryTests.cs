using System.Net.WebSockets;
using WebSocketGuard.Tests.Infrastructure;

namespace WebSocketGuard.Tests;

/// <summary>
/// Measures process-wide allocation, so it runs alone: a test class running in parallel would count its own
/// allocations against the reader.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public class WebSocketMessageReaderMemoryTests
{
    [Fact]
    public async Task Oversized_message_closes_with_1009_and_memory_stays_bounded()
    {
        var (pair, client, server) = await SocketPair.WebSocketsAsync();
        using var _ = pair;
        using var reader = new WebSocketMessageReader(client, 64 * 1024);
        var huge = new byte[8 * 1024 * 1024];
        await Task.Yield();
        var send = Task.Run(async () =>
        {
            try
            {
                // Fragments, so the sending side itself never needs an 8 MiB buffer and we measure only the reader.
                for (var offset = 0; offset < huge.Length; offset += 32 * 1024)
                {
                    await server.SendAsync(huge.AsMemory(offset, 32 * 1024), WebSocketMessageType.Binary, offset + (32 * 1024) == huge.Length, CancellationToken.None);
                }
            }
            catch (Exception)
            {
                // The reader aborts or closes while we are still pushing.
            }
        });
        var serverSawClose = Task.Run(async () =>
        {
            // Read concurrently with the (now stuck) send, as a real peer would.
            var buffer = new byte[1024];
            try
            {
                while (true)
                {
                    var r = await server.ReceiveAsync(buffer, CancellationToken.None);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        return server.CloseStatus;
                    }
                }
            }
            catch (Exception)
            {
                return null;
            }
        });

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = await Assert.ThrowsAsync<WebSocketMessageTooBigException>(async () => await reader.ReadAsync());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(64 * 1024, ex.MaxMessageSize);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, ex.CloseStatus);
        Assert.False(reader.HoldsBuffer);
        // Reading stopped near the limit: nothing close to the 8 MiB message was buffered.
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated} bytes while rejecting an 8 MiB message");
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await Eventually.Within(serverSawClose, "server sees 1009"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.ReadAsync());
        server.Abort();
        await Eventually.Within(send, "peer's send ends after abort");
    }
}
