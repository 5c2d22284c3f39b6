using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace WebSocketGuard.Tests.Infrastructure;

/// <summary>
/// A TCP relay between client and server that can stall (stop reading, so TCP backpressure builds), black-hole (read and
/// discard, like a peer whose network vanished), cut (reset every connection) and refuse new connections.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly EndPoint _target;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _accepted;

    public TcpRelay(EndPoint target)
    {
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>When set, new connections are reset at once, like a server that is down.</summary>
    public bool RefuseNew { get => Volatile.Read(ref _refuseNew); set => Volatile.Write(ref _refuseNew, value); }

    private bool _refuseNew;

    public int AcceptedCount => Volatile.Read(ref _accepted);

    public int OpenLinks => _links.Count;

    public Uri WebSocketUri(string path = "/") => new($"ws://127.0.0.1:{Port}{path}");

    public void BlackHoleExisting()
    {
        foreach (var link in _links.Keys)
        {
            link.BlackHoled = true;
        }
    }

    public void StallExisting()
    {
        foreach (var link in _links.Keys)
        {
            link.Stall();
        }
    }

    public void ResumeExisting()
    {
        foreach (var link in _links.Keys)
        {
            link.Resume();
        }
    }

    public void CutAll()
    {
        foreach (var link in _links.Keys)
        {
            link.Cut();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            if (RefuseNew)
            {
                Reset(client);
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        var link = new Link(client, server);
        _links.TryAdd(link, 0);
        await Task.WhenAll(link.PumpAsync(client, server), link.PumpAsync(server, client));
        _links.TryRemove(link, out _);
        link.Cut();
    }

    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception)
        {
        }

        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        CutAll();
        await _accepting;
    }

    private sealed class Link(Socket client, Socket server)
    {
        private volatile TaskCompletionSource? _stalled;
        private int _cut;

        public volatile bool BlackHoled;

        public void Stall() => _stalled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Resume() => Interlocked.Exchange(ref _stalled, null)?.TrySetResult();

        public void Cut()
        {
            if (Interlocked.Exchange(ref _cut, 1) == 0)
            {
                Resume();
                Reset(client);
                Reset(server);
            }
        }

        public async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    if (_stalled is { } stalled)
                    {
                        await stalled.Task;
                    }

                    var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    if (BlackHoled)
                    {
                        continue;
                    }

                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                }
            }
            catch (Exception)
            {
                Cut();
            }
        }
    }
}
