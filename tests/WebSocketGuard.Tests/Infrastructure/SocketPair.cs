using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace WebSocketGuard.Tests.Infrastructure;

/// <summary>Two ends of a real loopback TCP connection, as WebSockets or raw streams.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket client, Socket server)
    {
        ClientSocket = client;
        ServerSocket = server;
    }

    public Socket ClientSocket { get; }

    public Socket ServerSocket { get; }

    public static async Task<SocketPair> ConnectAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        return new SocketPair(client, server);
    }

    /// <summary>A client WebSocket over the pair; pings off so tests control all traffic.</summary>
    public WebSocket Client(TimeSpan? keepAlive = null) => WebSocket.CreateFromStream(new NetworkStream(ClientSocket, ownsSocket: true), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = keepAlive ?? TimeSpan.Zero });

    public WebSocket Server() => WebSocket.CreateFromStream(new NetworkStream(ServerSocket, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

    public static async Task<(SocketPair Pair, WebSocket Client, WebSocket Server)> WebSocketsAsync()
    {
        var pair = await ConnectAsync();
        return (pair, pair.Client(), pair.Server());
    }

    /// <summary>Kills the server end with a TCP reset: the peer vanishes without a Close frame.</summary>
    public void ResetServer()
    {
        ServerSocket.LingerState = new LingerOption(true, 0);
        ServerSocket.Close();
    }

    public void Dispose()
    {
        ClientSocket.Dispose();
        ServerSocket.Dispose();
    }
}
