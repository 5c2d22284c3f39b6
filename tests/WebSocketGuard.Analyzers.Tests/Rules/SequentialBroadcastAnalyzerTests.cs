using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.SequentialBroadcastCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.SequentialBroadcastAnalyzer,
    WebSocketGuard.CodeFixes.SequentialBroadcastCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class SequentialBroadcastAnalyzerTests
{
    private static DiagnosticResult Sequential(int location, string variable)
        => Verify.Diagnostic().WithLocation(location).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations).WithArguments(variable);

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Loop_over_registry_values_is_rewritten_to_concurrent_sends(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ChatRoom
            {
                private readonly ConcurrentDictionary<Guid, WebSocket> _sockets = new();

                public async Task BroadcastAsync(ArraySegment<byte> message, CancellationToken cancellationToken)
                {
                    foreach (var socket in _sockets.Values)
                    {
                        if (socket.State == WebSocketState.Open)
                        {
                            await {|#0:socket.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken)|};
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Concurrent;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ChatRoom
            {
                private readonly ConcurrentDictionary<Guid, WebSocket> _sockets = new();

                public async Task BroadcastAsync(ArraySegment<byte> message, CancellationToken cancellationToken)
                {
                    await Task.WhenAll(_sockets.Values.Select(async socket =>
                    {
                        using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                        sendTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                        try
                        {
                            if (socket.State == WebSocketState.Open)
                            {
                                await socket.SendAsync(message, WebSocketMessageType.Text, true, sendTimeout.Token);
                            }
                        }
                        catch (OperationCanceledException)
                        {
                            // Past the timeout the send is cancelled and that client's socket aborted; the others are not held up.
                        }
                        catch (WebSocketException)
                        {
                            // A broken client fails alone.
                        }
                    }));
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.None, Sequential(0, "socket"));
    }

    [Fact]
    public async Task Fix_all_rewrites_loops_over_connection_objects_and_pairs()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record Connection(string User, WebSocket Socket);

            public sealed class Hub
            {
                private readonly List<Connection> _connections = new();
                private readonly Dictionary<string, WebSocket> _byUser = new();

                public async Task NotifyAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    foreach (Connection connection in _connections)
                        await {|#0:connection.Socket.SendAsync(payload, WebSocketMessageType.Binary, true, ct)|};
                }

                public async Task AnnounceAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    foreach (var pair in _byUser)
                    {
                        await {|#1:pair.Value.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, ct)|};
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed record Connection(string User, WebSocket Socket);

            public sealed class Hub
            {
                private readonly List<Connection> _connections = new();
                private readonly Dictionary<string, WebSocket> _byUser = new();

                public async Task NotifyAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    await Task.WhenAll(_connections.Select(async connection =>
                    {
                        using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        sendTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                        try
                        {
                            await connection.Socket.SendAsync(payload, WebSocketMessageType.Binary, true, sendTimeout.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            // Past the timeout the send is cancelled and that client's socket aborted; the others are not held up.
                        }
                        catch (WebSocketException)
                        {
                            // A broken client fails alone.
                        }
                    }));
                }

                public async Task AnnounceAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    await Task.WhenAll(_byUser.Select(async pair =>
                    {
                        using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        sendTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                        try
                        {
                            await pair.Value.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, sendTimeout.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            // Past the timeout the send is cancelled and that client's socket aborted; the others are not held up.
                        }
                        catch (WebSocketException)
                        {
                            // A broken client fails alone.
                        }
                    }));
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Sequential(0, "connection"));
        test.ExpectedDiagnostics.Add(Sequential(1, "pair"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Loop_with_a_break_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Fanout
            {
                public static async Task SendAsync(IEnumerable<WebSocket> sockets, byte[] data, CancellationToken ct)
                {
                    foreach (var socket in sockets)
                    {
                        if (ct.IsCancellationRequested)
                        {
                            break;
                        }

                        await {|#0:socket.SendAsync(new ArraySegment<byte>(data), WebSocketMessageType.Binary, true, ct)|};
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Sequential(0, "socket"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Indexed_for_loops_over_clients_are_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            sealed class Player
            {
                public WebSocket Socket { get; init; } = null!;
            }

            sealed class Lobby
            {
                private readonly List<WebSocket> _sockets = new();
                private Player[] _players = Array.Empty<Player>();

                public async Task BroadcastAsync(byte[] frame, CancellationToken ct)
                {
                    for (var i = 0; i < _sockets.Count; i++)
                    {
                        await {|#0:_sockets[i].SendAsync(frame, WebSocketMessageType.Binary, true, ct)|};
                    }
                }

                public async Task StartRoundAsync(ReadOnlyMemory<byte> state, CancellationToken ct)
                {
                    for (int p = 0; p < _players.Length; p++)
                    {
                        if (_players[p].Socket.State != WebSocketState.Open)
                        {
                            continue;
                        }

                        await {|#1:_players[p].Socket.SendAsync(state, WebSocketMessageType.Text, true, ct)|};
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Sequential(0, "_sockets"));
        test.ExpectedDiagnostics.Add(Sequential(1, "_players"));
        await test.RunAsync();
    }

    [Fact]
    public async Task For_loops_over_chunks_to_one_socket_or_with_a_deadline_are_silent()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            sealed class Streams
            {
                private readonly List<WebSocket> _sockets = new();

                public async Task SendChunksAsync(WebSocket socket, byte[][] chunks, CancellationToken ct)
                {
                    for (var i = 0; i < chunks.Length; i++)
                    {
                        await socket.SendAsync(chunks[i], WebSocketMessageType.Binary, i == chunks.Length - 1, ct);
                    }
                }

                public async Task SendToOneAsync(int target, byte[][] frames, CancellationToken ct)
                {
                    for (var i = 0; i < frames.Length; i++)
                    {
                        await _sockets[target].SendAsync(frames[i], WebSocketMessageType.Binary, true, ct);
                    }
                }

                public async Task BroadcastWithDeadlineAsync(byte[] frame, CancellationToken ct)
                {
                    for (var i = 0; i < _sockets.Count; i++)
                    {
                        using var perSend = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        perSend.CancelAfter(TimeSpan.FromSeconds(5));
                        await _sockets[i].SendAsync(frame, WebSocketMessageType.Binary, true, perSend.Token);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Loop_through_a_send_helper_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class ConnectionHandler
            {
                private readonly ConcurrentDictionary<string, WebSocket> _sockets = new();

                public async Task SendMessageAsync(WebSocket socket, string message)
                {
                    var bytes = Encoding.UTF8.GetBytes(message);
                    await socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None);
                }

                public async Task SendMessageToAllAsync(string message)
                {
                    foreach (var pair in _sockets)
                    {
                        if (pair.Value.State == WebSocketState.Open)
                        {
                            await {|#0:SendMessageAsync(pair.Value, message)|}.ConfigureAwait(false);
                        }
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Sequential(0, "pair"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Loop_through_a_helper_that_only_enqueues_is_silent()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class Fanout
            {
                private readonly Dictionary<WebSocket, Channel<byte[]>> _outboxes = new();

                public async Task SendToAsync(WebSocket socket, byte[] message) => await _outboxes[socket].Writer.WriteAsync(message);

                public async Task BroadcastAsync(byte[] message)
                {
                    foreach (var socket in _outboxes.Keys)
                    {
                        await SendToAsync(socket, message);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100);
    }

    [Theory]
    [InlineData("""
        // Several chunks to one socket: not a broadcast.
        using System;
        using System.Collections.Generic;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        static class Chunked
        {
            public static async Task SendAsync(WebSocket socket, IReadOnlyList<ReadOnlyMemory<byte>> chunks, CancellationToken ct)
            {
                for (var i = 0; i < chunks.Count; i++)
                {
                    await socket.SendAsync(chunks[i], WebSocketMessageType.Binary, i == chunks.Count - 1, ct);
                }

                foreach (var chunk in chunks)
                {
                    await socket.SendAsync(chunk, WebSocketMessageType.Binary, false, ct);
                }
            }
        }
        """)]
    [InlineData("""
        // Concurrent with Task.WhenAll.
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        static class Fanout
        {
            public static Task SendAsync(IEnumerable<WebSocket> sockets, ReadOnlyMemory<byte> data, CancellationToken ct)
                => Task.WhenAll(sockets.Select(s => s.SendAsync(data, WebSocketMessageType.Text, true, ct).AsTask()));
        }
        """)]
    [InlineData("""
        // A per-send timeout in the loop.
        using System;
        using System.Collections.Generic;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        static class Fanout
        {
            public static async Task SendAsync(IEnumerable<WebSocket> sockets, ReadOnlyMemory<byte> data, CancellationToken ct)
            {
                foreach (var socket in sockets)
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    await socket.SendAsync(data, WebSocketMessageType.Text, true, timeout.Token);
                }
            }
        }
        """)]
    [InlineData("""
        // WaitAsync bounds each send.
        using System;
        using System.Collections.Generic;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        static class Fanout
        {
            public static async Task SendAsync(List<WebSocket> sockets, ArraySegment<byte> data, CancellationToken ct)
            {
                foreach (var socket in sockets)
                {
                    await socket.SendAsync(data, WebSocketMessageType.Text, true, ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
                }
            }
        }
        """)]
    [InlineData("""
        // Each connection has its own queue: the loop only enqueues.
        using System.Collections.Generic;
        using System.Threading.Channels;
        sealed class Client
        {
            public Channel<byte[]> Outbox { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        }
        static class Fanout
        {
            public static void Broadcast(IEnumerable<Client> clients, byte[] data)
            {
                foreach (var client in clients)
                {
                    client.Outbox.Writer.TryWrite(data);
                }
            }
        }
        """)]
    [InlineData("""
        // A send task started per client and awaited together.
        using System;
        using System.Collections.Generic;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        static class Fanout
        {
            public static async Task SendAsync(IEnumerable<WebSocket> sockets, ReadOnlyMemory<byte> data, CancellationToken ct)
            {
                var sends = new List<Task>();
                foreach (var socket in sockets)
                {
                    sends.Add(socket.SendAsync(data, WebSocketMessageType.Text, true, ct).AsTask());
                }

                await Task.WhenAll(sends);
            }
        }
        """)]
    public async Task Concurrent_bounded_or_single_socket_sends_are_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100);
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_queues_on_each_connections_sender(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public sealed class Notifier
            {
                public async Task NotifyAsync(IEnumerable<WebSocketConnection> connections, ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    foreach (var connection in connections)
                    {
                        if (connection.Socket.State == WebSocketState.Open)
                        {
                            await {|#0:connection.Socket.SendAsync(payload, WebSocketMessageType.Text, true, ct)|};
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public sealed class Notifier
            {
                public async Task NotifyAsync(IEnumerable<WebSocketConnection> connections, ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    foreach (var connection in connections)
                    {
                        if (connection.Socket.State == WebSocketState.Open)
                        {
                            await connection.Sender.SendAsync(payload, WebSocketMessageType.Text, ct);
                        }
                    }
                }
            }
            """;

        var test = Verify.Create(framework, ProjectReferences.Runtime | ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Sequential(0, "connection"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_queues_on_the_sender_a_project_class_creates_over_its_socket()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            using WebSocketGuard.AspNetCore;

            public sealed class Client
            {
                public Client(WebSocket socket)
                {
                    Socket = socket;
                    Outbox = new WebSocketSender(Socket, new WebSocketSenderOptions { OverflowPolicy = SendOverflowPolicy.DropOldest });
                }

                public WebSocket Socket { get; }

                public WebSocketSender Outbox { get; }
            }

            public sealed class Hub
            {
                private readonly List<Client> _clients = new();

                public async Task PublishAsync(byte[] message, CancellationToken ct)
                {
                    foreach (var client in _clients)
                    {
                        await {|#0:client.Socket.SendAsync(message, WebSocketMessageType.Binary, true, ct)|}.ConfigureAwait(false);
                    }
                }

                public async Task NotifyAsync(IReadOnlyCollection<WebSocketConnection> connections, ArraySegment<byte> message, CancellationToken ct)
                {
                    foreach (var connection in connections)
                        await {|#1:connection.Socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken: ct)|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            using WebSocketGuard.AspNetCore;

            public sealed class Client
            {
                public Client(WebSocket socket)
                {
                    Socket = socket;
                    Outbox = new WebSocketSender(Socket, new WebSocketSenderOptions { OverflowPolicy = SendOverflowPolicy.DropOldest });
                }

                public WebSocket Socket { get; }

                public WebSocketSender Outbox { get; }
            }

            public sealed class Hub
            {
                private readonly List<Client> _clients = new();

                public async Task PublishAsync(byte[] message, CancellationToken ct)
                {
                    foreach (var client in _clients)
                    {
                        await client.Outbox.SendAsync(message, WebSocketMessageType.Binary, ct).ConfigureAwait(false);
                    }
                }

                public async Task NotifyAsync(IReadOnlyCollection<WebSocketConnection> connections, ArraySegment<byte> message, CancellationToken ct)
                {
                    foreach (var connection in connections)
                        await connection.Sender.SendAsync(message, WebSocketMessageType.Text, ct);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime | ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Sequential(0, "client"));
        test.ExpectedDiagnostics.Add(Sequential(1, "connection"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_turns_registry_loops_into_broadcasts()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public sealed class Ticker
            {
                private readonly WebSocketConnectionRegistry _registry;

                public Ticker(WebSocketConnectionRegistry registry) => _registry = registry;

                public async Task TickAsync(byte[] frame)
                {
                    foreach (var connection in _registry.GetConnections())
                    {
                        await {|#0:connection.Socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None)|};
                    }
                }

                public async Task RoomAsync(string room, ArraySegment<byte> frame)
                {
                    foreach (var member in _registry.GetGroup(room))
                        await {|#1:member.Socket.SendAsync(frame, WebSocketMessageType.Text, true, default)|}.ConfigureAwait(false);
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public sealed class Ticker
            {
                private readonly WebSocketConnectionRegistry _registry;

                public Ticker(WebSocketConnectionRegistry registry) => _registry = registry;

                public async Task TickAsync(byte[] frame)
                {
                    await _registry.BroadcastAsync(frame, WebSocketMessageType.Binary);
                }

                public async Task RoomAsync(string room, ArraySegment<byte> frame)
                {
                    await _registry.BroadcastToGroupAsync(room, frame, WebSocketMessageType.Text).ConfigureAwait(false);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime | ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.RegistryEquivalenceKey;
        test.ExpectedDiagnostics.Add(Sequential(0, "connection"));
        test.ExpectedDiagnostics.Add(Sequential(1, "member"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("a cancellable token: the registry would swallow the cancellation", "", "ct")]
    [InlineData("a guard in the body: the registry does not check it", "if (connection.Socket.State == WebSocketState.Open) ", "default")]
    public async Task Registry_broadcast_is_not_offered_unless_the_loop_is_only_the_send(string reason, string guard, string token)
    {
        Assert.NotEmpty(reason);
        var source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public sealed class Ticker
            {
                public static async Task TickAsync(WebSocketConnectionRegistry registry, byte[] frame, CancellationToken ct)
                {
                    foreach (var connection in registry.GetConnections())
                    {
            """ + "\n            " + guard + "await {|#0:connection.Socket.SendAsync(frame, WebSocketMessageType.Binary, true, " + token + ")|};\n" + """
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime | ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.RegistryEquivalenceKey;
        test.ExpectedDiagnostics.Add(Sequential(0, "connection"));
        test.FixedState.ExpectedDiagnostics.Add(Sequential(0, "connection"));
        await test.RunAsync();
    }

    public static TheoryData<string, string> ClientsWhoseSenderIsNotTheSocketsWriter => new()
    {
        {
            "the sender is settable, so it may write another socket",
            """
                public Client(WebSocket socket) { Socket = socket; Outbox = new WebSocketSender(socket); }
                public WebSocket Socket { get; }
                public WebSocketSender Outbox { get; set; }
            """
        },
        {
            "the sender is created over another socket",
            """
                public Client(WebSocket socket, WebSocket relay) { Socket = socket; Outbox = new WebSocketSender(relay); }
                public WebSocket Socket { get; }
                public WebSocketSender Outbox { get; }
            """
        },
        {
            "the socket is settable, so the sender may no longer write it",
            """
                public Client(WebSocket socket) { Socket = socket; Outbox = new WebSocketSender(Socket); }
                public WebSocket Socket { get; set; }
                public WebSocketSender Outbox { get; }
            """
        },
        {
            "the socket is replaced after the sender was created",
            """
                public Client(WebSocket socket, WebSocket other) { Socket = socket; Outbox = new WebSocketSender(Socket); Socket = other; }
                public WebSocket Socket { get; }
                public WebSocketSender Outbox { get; }
            """
        },
        {
            "two senders: which one writes the socket is a guess",
            """
                public Client(WebSocket socket) { Socket = socket; Outbox = new WebSocketSender(Socket); Spare = new WebSocketSender(Socket); }
                public WebSocket Socket { get; }
                public WebSocketSender Outbox { get; }
                public WebSocketSender Spare { get; }
            """
        },
    };

    [Theory]
    [MemberData(nameof(ClientsWhoseSenderIsNotTheSocketsWriter))]
    public async Task Sender_queue_is_not_offered_when_the_sender_may_not_write_that_socket(string reason, string members)
    {
        Assert.NotEmpty(reason);
        var source = """
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            public sealed class Client
            {
            """ + "\n" + members + "\n" + """
            }

            public static class Hub
            {
                public static async Task PublishAsync(List<Client> clients, byte[] message, CancellationToken ct)
                {
                    foreach (var client in clients)
                    {
                        await {|#0:client.Socket.SendAsync(message, WebSocketMessageType.Binary, true, ct)|};
                    }
                }
            }
            """;

        await VerifySenderNotOffered(source, Sequential(0, "client"));
    }

    [Fact]
    public async Task Sender_queue_is_not_offered_for_fragments_or_two_sends_per_client()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard.AspNetCore;

            public static class Hub
            {
                public static async Task StreamAsync(IEnumerable<WebSocketConnection> connections, byte[] part, CancellationToken ct)
                {
                    foreach (var connection in connections)
                    {
                        await {|#0:connection.Socket.SendAsync(part, WebSocketMessageType.Binary, false, ct)|};
                    }
                }

                public static async Task HeaderAndBodyAsync(IEnumerable<WebSocketConnection> connections, byte[] header, byte[] body, CancellationToken ct)
                {
                    foreach (var connection in connections)
                    {
                        await {|#1:connection.Socket.SendAsync(header, WebSocketMessageType.Binary, true, ct)|};
                        await connection.Socket.SendAsync(body, WebSocketMessageType.Binary, true, ct);
                    }
                }
            }
            """;

        await VerifySenderNotOffered(source, Sequential(0, "connection"), Sequential(1, "connection"));
    }

    private static async Task VerifySenderNotOffered(string source, params DiagnosticResult[] expected)
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime | ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }
}
