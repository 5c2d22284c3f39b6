using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.UnboundedOutboundQueueCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.UnboundedOutboundQueueAnalyzer,
    WebSocketGuard.CodeFixes.UnboundedOutboundQueueCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class UnboundedOutboundQueueAnalyzerTests
{
    private static DiagnosticResult Unbounded(int location, string queue) => Verify.Diagnostic().WithLocation(location).WithArguments(queue);

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Unbounded_channel_drained_into_SendAsync_is_bounded_by_the_fix(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class ClientConnection
            {
                private readonly WebSocket _socket;
                private readonly Channel<ReadOnlyMemory<byte>> _outbox = {|#0:Channel.CreateUnbounded<ReadOnlyMemory<byte>>()|};

                public ClientConnection(WebSocket socket) => _socket = socket;

                public bool Enqueue(ReadOnlyMemory<byte> message) => _outbox.Writer.TryWrite(message);

                public async Task PumpAsync(CancellationToken cancellationToken)
                {
                    await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
                    {
                        await _socket.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class ClientConnection
            {
                private readonly WebSocket _socket;
                private readonly Channel<ReadOnlyMemory<byte>> _outbox = Channel.CreateBounded<ReadOnlyMemory<byte>>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

                public ClientConnection(WebSocket socket) => _socket = socket;

                public bool Enqueue(ReadOnlyMemory<byte> message) => _outbox.Writer.TryWrite(message);

                public async Task PumpAsync(CancellationToken cancellationToken)
                {
                    await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
                    {
                        await _socket.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken);
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.None, Unbounded(0, "_outbox"));
    }

    [Fact]
    public async Task Fix_all_keeps_channel_options_and_bounds_a_blocking_collection()
    {
        const string source = """
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class Session
            {
                private readonly WebSocket _socket;
                private readonly Channel<string> _messages = {|#0:Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false })|};
                private readonly BlockingCollection<byte[]> _frames = {|#1:new BlockingCollection<byte[]>()|};

                public Session(WebSocket socket) => _socket = socket;

                public async Task SendTextAsync(CancellationToken ct)
                {
                    while (await _messages.Reader.WaitToReadAsync(ct))
                    {
                        while (_messages.Reader.TryRead(out var text))
                        {
                            var bytes = Encoding.UTF8.GetBytes(text);
                            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
                        }
                    }
                }

                public async Task SendFramesAsync(CancellationToken ct)
                {
                    foreach (var frame in _frames.GetConsumingEnumerable(ct))
                    {
                        await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class Session
            {
                private readonly WebSocket _socket;
                private readonly Channel<string> _messages = Channel.CreateBounded<string>(new BoundedChannelOptions(1024) { SingleWriter = false, SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
                private readonly BlockingCollection<byte[]> _frames = new BlockingCollection<byte[]>(boundedCapacity: 1024);

                public Session(WebSocket socket) => _socket = socket;

                public async Task SendTextAsync(CancellationToken ct)
                {
                    while (await _messages.Reader.WaitToReadAsync(ct))
                    {
                        while (_messages.Reader.TryRead(out var text))
                        {
                            var bytes = Encoding.UTF8.GetBytes(text);
                            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
                        }
                    }
                }

                public async Task SendFramesAsync(CancellationToken ct)
                {
                    foreach (var frame in _frames.GetConsumingEnumerable(ct))
                    {
                        await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_messages"));
        test.ExpectedDiagnostics.Add(Unbounded(1, "_frames"));
        await test.RunAsync();
    }

    [Fact]
    public async Task ConcurrentQueue_drained_by_a_send_loop_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Outbox
            {
                private readonly ConcurrentQueue<ArraySegment<byte>> _pending = {|#0:new ConcurrentQueue<ArraySegment<byte>>()|};

                public void Post(ArraySegment<byte> message) => _pending.Enqueue(message);

                public async Task FlushLoopAsync(WebSocket socket, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        if (_pending.TryDequeue(out var message))
                        {
                            await socket.SendAsync(message, WebSocketMessageType.Binary, true, ct);
                        }
                        else
                        {
                            await Task.Delay(10, ct);
                        }
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_pending"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""
        // Already bounded.
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class C
        {
            private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
            public async Task PumpAsync(WebSocket socket, CancellationToken ct)
            {
                await foreach (var m in _outbox.Reader.ReadAllAsync(ct))
                    await socket.SendAsync(m, WebSocketMessageType.Binary, true, ct);
            }
        }
        """)]
    [InlineData("""
        // An unbounded queue of inbound work: nothing from it is sent.
        using System;
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class C
        {
            private readonly Channel<string> _inbound = Channel.CreateUnbounded<string>();
            private readonly ConcurrentQueue<string> _log = new ConcurrentQueue<string>();
            public async Task LoopAsync(WebSocket socket, CancellationToken ct)
            {
                var ack = new byte[] { 1 };
                while (_inbound.Reader.TryRead(out var command))
                {
                    _log.Enqueue(command);
                    await socket.SendAsync(ack, WebSocketMessageType.Binary, true, ct);
                }
            }
        }
        """)]
    [InlineData("""
        // A size check before adding.
        using System;
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        sealed class C
        {
            private const int Limit = 500;
            private readonly ConcurrentQueue<byte[]> _pending = new ConcurrentQueue<byte[]>();
            public bool Post(byte[] message)
            {
                if (_pending.Count >= Limit) return false;
                _pending.Enqueue(message);
                return true;
            }

            public async Task FlushAsync(WebSocket socket, CancellationToken ct)
            {
                while (_pending.TryDequeue(out var message))
                    await socket.SendAsync(message, WebSocketMessageType.Binary, true, ct);
            }
        }
        """)]
    [InlineData("""
        // A queue with no sending loop in the type.
        using System.Collections.Generic;
        using System.Net.WebSockets;
        sealed class C
        {
            private readonly Queue<string> _history = new Queue<string>();
            public WebSocket? Socket { get; set; }
            public void Remember(string line) => _history.Enqueue(line);
        }
        """)]
    [InlineData("""
        // BlockingCollection with a capacity.
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;
        sealed class C
        {
            private readonly BlockingCollection<byte[]> _frames = new BlockingCollection<byte[]>(boundedCapacity: 100);
            public async Task PumpAsync(WebSocket socket, CancellationToken ct)
            {
                foreach (var frame in _frames.GetConsumingEnumerable(ct))
                    await socket.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
            }
        }
        """)]
    public async Task Bounded_checked_or_unrelated_queues_are_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100);
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_replaces_the_channel_and_its_send_loop_with_a_sender(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class ClientConnection
            {
                private readonly WebSocket _socket;
                private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};

                public ClientConnection(WebSocket socket) => _socket = socket;

                public int Dropped { get; private set; }

                public async Task PublishAsync(byte[] update, CancellationToken cancellationToken)
                {
                    await _outbox.Writer.WriteAsync(update, cancellationToken);
                }

                public async Task RelayAsync(IAsyncEnumerable<byte[]> updates)
                {
                    await foreach (var update in updates)
                    {
                        if (!_outbox.Writer.TryWrite(update))
                        {
                            Dropped++;
                        }
                    }
                }

                public async Task PumpAsync()
                {
                    await foreach (var message in _outbox.Reader.ReadAllAsync())
                    {
                        await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using WebSocketGuard;

            public sealed class ClientConnection
            {
                private readonly WebSocket _socket;
                private readonly WebSocketSender _outbox;

                public ClientConnection(WebSocket socket)
                {
                    _socket = socket;
                    _outbox = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 1024, MaxQueuedBytes = 1024 * 1024, OverflowPolicy = SendOverflowPolicy.DropNewest });
                }

                public int Dropped { get; private set; }

                public async Task PublishAsync(byte[] update, CancellationToken cancellationToken)
                {
                    await _outbox.SendAsync(update, WebSocketMessageType.Binary, cancellationToken);
                }

                public async Task RelayAsync(IAsyncEnumerable<byte[]> updates)
                {
                    await foreach (var update in updates)
                    {
                        if (!await _outbox.SendAsync(update, WebSocketMessageType.Binary))
                        {
                            Dropped++;
                        }
                    }
                }

                public async Task PumpAsync()
                {
                    await _outbox.Completion;
                }
            }
            """;

        var test = Verify.Create(framework, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_queues_strings_as_text_and_keeps_ConfigureAwait()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            public sealed class ChatSession
            {
                private readonly Channel<string> _lines = {|#0:Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true })|};
                private readonly WebSocket _socket;
                private readonly Task _sendLoop;

                public ChatSession(WebSocket socket)
                {
                    _socket = socket ?? throw new ArgumentNullException(nameof(socket));
                    _sendLoop = Task.Run(SendLoopAsync);
                }

                public Task Completion => _sendLoop;

                public async ValueTask SayAsync(string line)
                {
                    await _lines.Writer.WriteAsync(line).ConfigureAwait(false);
                }

                private async Task SendLoopAsync()
                {
                    while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        while (_lines.Reader.TryRead(out var line))
                        {
                            await _socket.SendAsync(Encoding.UTF8.GetBytes(line), WebSocketMessageType.Text, true, default).ConfigureAwait(false);
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using WebSocketGuard;

            public sealed class ChatSession
            {
                private readonly WebSocketSender _lines;
                private readonly WebSocket _socket;
                private readonly Task _sendLoop;

                public ChatSession(WebSocket socket)
                {
                    _socket = socket ?? throw new ArgumentNullException(nameof(socket));
                    _lines = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 1024, MaxQueuedBytes = 1024 * 1024, OverflowPolicy = SendOverflowPolicy.DropNewest });
                    _sendLoop = Task.Run(SendLoopAsync);
                }

                public Task Completion => _sendLoop;

                public async ValueTask SayAsync(string line)
                {
                    await _lines.SendTextAsync(line).ConfigureAwait(false);
                }

                private async Task SendLoopAsync()
                {
                    await _lines.Completion.ConfigureAwait(false);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_lines"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_rewrites_every_class_and_adds_one_using()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            sealed class PriceFeed
            {
                private readonly WebSocket socket;
                private readonly Channel<ReadOnlyMemory<byte>> outbox = {|#0:Channel.CreateUnbounded<ReadOnlyMemory<byte>>()|};

                public PriceFeed(WebSocket socket)
                {
                    this.socket = socket;
                }

                public async Task PushAsync(ReadOnlyMemory<byte> price) => await outbox.Writer.WriteAsync(price);

                public async Task RunAsync()
                {
                    while (true)
                    {
                        var price = await outbox.Reader.ReadAsync();
                        await socket.SendAsync(price, WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                }
            }

            sealed class FramePump
            {
                private readonly WebSocket _socket;
                private readonly Channel<ArraySegment<byte>> _frames = {|#1:Channel.CreateUnbounded<ArraySegment<byte>>()|};

                public FramePump(WebSocket socket) => _socket = socket;

                public async Task AddAsync(ArraySegment<byte> frame) => await _frames.Writer.WriteAsync(frame);

                public async Task RunAsync()
                {
                    await foreach (var frame in _frames.Reader.ReadAllAsync(CancellationToken.None))
                        await _socket.SendAsync(frame, WebSocketMessageType.Binary, true, default(CancellationToken));
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using WebSocketGuard;

            sealed class PriceFeed
            {
                private readonly WebSocket socket;
                private readonly WebSocketSender outbox;

                public PriceFeed(WebSocket socket)
                {
                    this.socket = socket;
                    outbox = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 1024, MaxQueuedBytes = 1024 * 1024, OverflowPolicy = SendOverflowPolicy.DropNewest });
                }

                public async Task PushAsync(ReadOnlyMemory<byte> price) => await outbox.SendAsync(price, WebSocketMessageType.Text);

                public async Task RunAsync()
                {
                    await outbox.Completion;
                }
            }

            sealed class FramePump
            {
                private readonly WebSocket _socket;
                private readonly WebSocketSender _frames;

                public FramePump(WebSocket socket)
                {
                    _socket = socket;
                    _frames = new WebSocketSender(socket, new WebSocketSenderOptions { MaxQueuedMessages = 1024, MaxQueuedBytes = 1024 * 1024, OverflowPolicy = SendOverflowPolicy.DropNewest });
                }

                public async Task AddAsync(ArraySegment<byte> frame) => await _frames.SendAsync(frame, WebSocketMessageType.Binary);

                public async Task RunAsync()
                {
                    await _frames.Completion;
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "outbox"));
        test.ExpectedDiagnostics.Add(Unbounded(1, "_frames"));
        await test.RunAsync();
    }

    private const string SenderShape = """
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;

        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};

            public Connection(WebSocket socket) => _socket = socket;

            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);

            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """;

    [Fact]
    public async Task With_the_runtime_the_bounded_channel_fix_is_still_offered()
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = SenderShape;
        test.FixedCode = SenderShape.Replace(
            "{|#0:Channel.CreateUnbounded<byte[]>()|}",
            "Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait })");
        test.CodeActionEquivalenceKey = Fix.EquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Without_the_runtime_the_sender_fix_is_not_offered()
    {
        var test = Verify.Create(TargetFramework.Net100);
        test.TestCode = SenderShape;
        test.FixedCode = SenderShape;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        test.FixedState.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""
        // The pump is cancellable: cancelling it stops all sending, which a sender cannot do without refusing later messages.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync(CancellationToken ct)
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync(ct))
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, ct);
            }
        }
        """)]
    [InlineData("""
        // A synchronous producer returns TryWrite's bool: the sender only answers asynchronously.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public bool Post(byte[] message) => _outbox.Writer.TryWrite(message);
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // The writer is completed to end the pump: no exact counterpart on the sender.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public void Stop() => _outbox.Writer.Complete();
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // The loop does more than send each item.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public long Sent { get; private set; }
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                {
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
                    Sent++;
                }
            }
        }
        """)]
    [InlineData("""
        // The socket is the pump's parameter, not a field set in the constructor.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync(WebSocket socket)
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // Strings sent as Binary: SendTextAsync would change the message type.
        using System.Net.WebSockets;
        using System.Text;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<string> _outbox = {|#0:Channel.CreateUnbounded<string>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public async Task PostAsync(string message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // The constructor calls into the class before the socket is set: the sender would not exist yet.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket, byte[] hello)
            {
                _ = PostAsync(hello);
                _socket = socket;
            }
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // A type of the project's own is called WebSocketSender: importing the runtime's would make the name ambiguous.
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class WebSocketSender { }
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket) => _socket = socket;
            public async Task PostAsync(byte[] message) => await _outbox.Writer.WriteAsync(message);
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
        }
        """)]
    [InlineData("""
        // TryWrite in a synchronous event handler: there is nowhere to await the sender.
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        sealed class Connection
        {
            private readonly WebSocket _socket;
            private readonly Channel<byte[]> _outbox = {|#0:Channel.CreateUnbounded<byte[]>()|};
            public Connection(WebSocket socket, IObservable<byte[]> updates)
            {
                _socket = socket;
                updates.Subscribe(new Relay(update => _outbox.Writer.TryWrite(update)));
            }
            public async Task PumpAsync()
            {
                await foreach (var message in _outbox.Reader.ReadAllAsync())
                    await _socket.SendAsync(message, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
            private sealed class Relay(Action<byte[]> onNext) : IObserver<byte[]>
            {
                public void OnNext(byte[] value) => onNext(value);
                public void OnError(Exception error) { }
                public void OnCompleted() { }
            }
        }
        """)]
    public async Task Runtime_fix_is_not_offered_where_the_sender_would_change_the_meaning(string source)
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        test.FixedState.ExpectedDiagnostics.Add(Unbounded(0, "_outbox"));
        await test.RunAsync();
    }
}