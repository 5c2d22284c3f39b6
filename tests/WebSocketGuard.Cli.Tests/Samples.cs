namespace WebSocketGuard.Cli.Tests;

/// <summary>Source files the scans run over; they are written to temp folders, never compiled into the tests.</summary>
internal static class Samples
{
    public const string PlaintextClient = """
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        public class Feed
        {
            public async Task RunAsync(CancellationToken token)
            {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                await socket.ConnectAsync(new Uri("ws://feed.example.com/live"), token);
            }
        }
        """;

    public const string SecureClient = """
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        public class Feed
        {
            public async Task RunAsync(CancellationToken token)
            {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                await socket.ConnectAsync(new Uri("wss://feed.example.com/live"), token);
            }
        }
        """;

    // Loose files as found in other people's repositories: implicit usings and an unresolvable type.
    public const string NoTimeoutClient = """
        using System.Net.WebSockets;

        public class Telemetry
        {
            private readonly UnityEngine.MonoBehaviour? owner;

            public async Task ConnectAsync(CancellationToken token)
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri("wss://telemetry.example.com"), token);
            }
        }
        """;
}
