using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Benchmarks.Runtime;

/// <summary>A client and a server WebSocket over a real loopback TCP connection (the same kind of socket for every variant).</summary>
internal sealed class LoopbackPair : IDisposable
{
    public required WebSocket Client { get; init; }

    public required WebSocket Server { get; init; }

    public static async Task<LoopbackPair> CreateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return new LoopbackPair
        {
            Client = WebSocket.CreateFromStream(new NetworkStream(client, true), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }),
            Server = WebSocket.CreateFromStream(new NetworkStream(server, true), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }),
        };
    }

    public void Dispose()
    {
        Client.Abort();
        Server.Abort();
        Client.Dispose();
        Server.Dispose();
    }
}

/// <summary>Reads and counts messages on one end and completes a waiter when a target count is reached.</summary>
internal sealed class CountingSink
{
    private readonly WebSocket _socket;
    private long _received;
    private long _target = long.MaxValue;
    private TaskCompletionSource? _reached;

    public CountingSink(WebSocket socket)
    {
        _socket = socket;
        Loop = Task.Run(RunAsync);
    }

    public Task Loop { get; }

    public Task WaitFor(long additional)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _reached, tcs);
        Volatile.Write(ref _target, Interlocked.Read(ref _received) + additional);
        if (Interlocked.Read(ref _received) >= Volatile.Read(ref _target))
        {
            tcs.TrySetResult();
        }

        return tcs.Task;
    }

    private async Task RunAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (result.EndOfMessage && Interlocked.Increment(ref _received) >= Volatile.Read(ref _target))
                {
                    Volatile.Read(ref _reached)?.TrySetResult();
                }
            }
        }
        catch (Exception)
        {
            // The pair is torn down at cleanup.
        }
    }
}
