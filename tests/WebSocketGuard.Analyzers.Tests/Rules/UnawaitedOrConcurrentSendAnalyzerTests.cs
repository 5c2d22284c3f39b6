using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.UnawaitedOrConcurrentSendCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.UnawaitedOrConcurrentSendAnalyzer,
    WebSocketGuard.CodeFixes.UnawaitedOrConcurrentSendCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class UnawaitedOrConcurrentSendAnalyzerTests
{
    private const string NotAwaited = "is not awaited: a failed send goes unnoticed and the next send can overlap it";

    // Message text is checked in the tests that pass arguments; the others check kind and span.
    private static DiagnosticResult Expected(int location) => new DiagnosticResult(RuleIds.UnawaitedOrConcurrentSend, Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(location);

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Net.WebSockets;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Send_as_expression_statement_is_reported_and_awaited(TargetFramework framework)
    {
        const string source = Usings + """
            class ChatClient
            {
                private readonly ClientWebSocket _socket = new();

                public async Task SayAsync(string text, CancellationToken ct)
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    {|#0:_socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct)|};
                    await Task.Yield();
                }
            }
            """;
        const string fixedSource = Usings + """
            class ChatClient
            {
                private readonly ClientWebSocket _socket = new();

                public async Task SayAsync(string text, CancellationToken ct)
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
                    await Task.Yield();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Verify.Diagnostic().WithLocation(0).WithArguments("_socket", NotAwaited));
    }

    [Fact]
    public async Task Discard_assignment_is_reported_and_awaited()
    {
        const string source = Usings + """
            class Echo
            {
                public static async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    _ = {|#0:socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            class Echo
            {
                public static async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0));
    }

    [Fact]
    public async Task Stored_and_never_awaited_is_reported_and_awaited()
    {
        const string source = Usings + """
            class Notifier
            {
                public async Task NotifyAsync(ClientWebSocket socket, ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    var sendTask = {|#0:socket.SendAsync(payload, WebSocketMessageType.Binary, true, ct)|};
                    await Task.Delay(10, ct);
                }
            }
            """;
        const string fixedSource = Usings + """
            class Notifier
            {
                public async Task NotifyAsync(ClientWebSocket socket, ReadOnlyMemory<byte> payload, CancellationToken ct)
                {
                    await socket.SendAsync(payload, WebSocketMessageType.Binary, true, ct);
                    await Task.Delay(10, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0));
    }

    [Fact]
    public async Task Timer_callback_send_is_reported_without_fix()
    {
        const string source = Usings + """
            sealed class Heartbeat : IDisposable
            {
                private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":\"ping\"}");
                private readonly Timer _timer;

                public Heartbeat(WebSocket socket)
                {
                    _timer = new Timer(_ => {|#0:socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None)|}, null, 0, 15_000);
                }

                public void Dispose() => _timer.Dispose();
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Discarded_send_in_an_async_void_helper_is_not_given_the_await_fix()
    {
        // Awaiting it there would only trade this finding for the async void one.
        const string source = Usings + """
            sealed class Notifier
            {
                private readonly ClientWebSocket _socket = new();

                public async Task ConnectAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    Notify("hello");
                }

                private async void Notify(string text)
                {
                    await Task.Yield();
                    {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None)|};
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("_socket", NotAwaited));
        await test.RunAsync();
    }

    [Fact]
    public async Task Discarded_send_in_a_gated_async_void_helper_is_awaited()
    {
        const string source = Usings + """
            sealed class Notifier
            {
                private readonly ClientWebSocket _socket = new();
                private readonly SemaphoreSlim _gate = new(1, 1);

                public void Notify(string text) => NotifyCore(text);

                private async void NotifyCore(string text)
                {
                    await _gate.WaitAsync();
                    try
                    {
                        {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None)|};
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class Notifier
            {
                private readonly ClientWebSocket _socket = new();
                private readonly SemaphoreSlim _gate = new(1, 1);

                public void Notify(string text) => NotifyCore(text);

                private async void NotifyCore(string text)
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("_socket", NotAwaited));
    }

    [Fact]
    public async Task Synchronous_wrapper_that_drops_the_task_is_reported_without_fix()
    {
        const string source = Usings + """
            class Publisher
            {
                private readonly WebSocket _socket;

                public Publisher(WebSocket socket) => _socket = socket;

                public void Publish(string message)
                {
                    {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, default)|};
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task WhenAll_over_sends_on_one_socket_is_reported()
    {
        const string source = Usings + """
            class Snapshot
            {
                public static async Task SendSnapshotAsync(WebSocket socket, byte[] header, byte[] body, CancellationToken ct)
                {
                    await Task.WhenAll(
                        socket.SendAsync(header, WebSocketMessageType.Binary, true, ct),
                        {|#0:socket.SendAsync(body, WebSocketMessageType.Binary, true, ct)|});
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments(
            "socket", "runs together with another send on the same socket in Task.WhenAll: a WebSocket allows one send at a time; send in sequence or through a single writer"));
    }

    [Fact]
    public async Task WhenAll_over_projection_on_one_socket_is_reported()
    {
        const string source = Usings + """
            class Batch
            {
                private readonly ClientWebSocket _socket = new();

                public Task FlushAsync(IReadOnlyList<string> messages, CancellationToken ct)
                    => Task.WhenAll(messages.Select(m => {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes(m), WebSocketMessageType.Text, true, ct)|}));
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0));
    }

    [Fact]
    public async Task Parallel_loop_over_one_socket_is_reported()
    {
        const string source = Usings + """
            class Uploader
            {
                public static Task UploadAsync(WebSocket socket, IEnumerable<byte[]> chunks, CancellationToken ct)
                    => Parallel.ForEachAsync(chunks, ct, async (chunk, token) =>
                        await {|#0:socket.SendAsync(chunk, WebSocketMessageType.Binary, true, token)|});
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0));
    }

    [Fact]
    public async Task Tasks_collected_in_a_loop_are_reported()
    {
        const string source = Usings + """
            class Replay
            {
                public static async Task ReplayAsync(WebSocket socket, IEnumerable<ArraySegment<byte>> history, CancellationToken ct)
                {
                    var pending = new List<Task>();
                    foreach (var message in history)
                    {
                        pending.Add({|#0:socket.SendAsync(message, WebSocketMessageType.Text, true, ct)|});
                    }

                    await Task.WhenAll(pending);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0));
    }

    [Fact]
    public async Task Fire_and_forget_in_aspnetcore_handler_is_reported_and_fixed()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Text;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        {|#0:socket.SendAsync(Encoding.UTF8.GetBytes("welcome"), WebSocketMessageType.Text, true, context.RequestAborted)|};
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    });
                }
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Text;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        await socket.SendAsync(Encoding.UTF8.GetBytes("welcome"), WebSocketMessageType.Text, true, context.RequestAborted);
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore, Expected(0));
    }

    [Fact]
    public async Task Fix_all_awaits_every_discarded_send()
    {
        const string source = Usings + """
            class Greeter
            {
                public async Task GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    {|#0:socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct)|};
                    _ = {|#1:socket.SendAsync(Encoding.UTF8.GetBytes("world"), WebSocketMessageType.Text, true, ct)|};
                    await Task.Yield();
                }
            }
            """;
        const string fixedSource = Usings + """
            class Greeter
            {
                public async Task GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct);
                    await socket.SendAsync(Encoding.UTF8.GetBytes("world"), WebSocketMessageType.Text, true, ct);
                    await Task.Yield();
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Awaited_and_returned_sends_are_silent()
    {
        const string source = Usings + """
            class Client
            {
                private readonly ClientWebSocket _socket = new();

                public async Task SendTextAsync(string text, CancellationToken ct)
                    => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

                public ValueTask SendBinaryAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
                    => _socket.SendAsync(data, WebSocketMessageType.Binary, true, ct);

                public Task SendSegmentAsync(ArraySegment<byte> data, CancellationToken ct)
                {
                    return _socket.SendAsync(data, WebSocketMessageType.Binary, true, ct);
                }

                public async Task SendLaterAsync(byte[] data, CancellationToken ct)
                {
                    var pending = _socket.SendAsync(data, WebSocketMessageType.Binary, true, ct);
                    await Task.Yield();
                    await pending.ConfigureAwait(false);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Sends_to_different_sockets_together_are_silent()
    {
        const string source = Usings + """
            class Broadcaster
            {
                private readonly List<WebSocket> _clients = new();

                public Task BroadcastAsync(byte[] message, CancellationToken ct)
                    => Task.WhenAll(_clients.Select(client => client.SendAsync(message, WebSocketMessageType.Text, true, ct)));

                public static Task MirrorAsync(WebSocket left, WebSocket right, byte[] message, CancellationToken ct)
                    => Task.WhenAll(
                        left.SendAsync(message, WebSocketMessageType.Text, true, ct),
                        right.SendAsync(message, WebSocketMessageType.Text, true, ct));

                public Task BroadcastInParallelAsync(byte[] message, CancellationToken ct)
                    => Parallel.ForEachAsync(_clients, ct, async (client, token) =>
                        await client.SendAsync(message, WebSocketMessageType.Text, true, token));
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Sends_serialised_by_a_semaphore_are_silent()
    {
        const string source = Usings + """
            class SerialisedSender
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ClientWebSocket _socket = new();

                public Task SendAllAsync(IEnumerable<string> messages, CancellationToken ct)
                    => Task.WhenAll(messages.Select(async message =>
                    {
                        await _gate.WaitAsync(ct);
                        try
                        {
                            await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct);
                        }
                        finally
                        {
                            _gate.Release();
                        }
                    }));
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Sends_in_order_and_tasks_handed_on_are_silent()
    {
        const string source = Usings + """
            class Session
            {
                private readonly ClientWebSocket _socket = new();
                private Task _lastSend = Task.CompletedTask;

                public async Task SendBothAsync(byte[] header, byte[] body, CancellationToken ct)
                {
                    await _socket.SendAsync(header, WebSocketMessageType.Binary, false, ct);
                    await _socket.SendAsync(body, WebSocketMessageType.Binary, true, ct);
                }

                public void Track(byte[] data)
                {
                    _lastSend = _socket.SendAsync(data, WebSocketMessageType.Binary, true, default);
                }

                public Task WithTimeoutAsync(byte[] data, CancellationToken ct)
                    => _socket.SendAsync(data, WebSocketMessageType.Binary, true, ct).WaitAsync(TimeSpan.FromSeconds(5), ct);

                public async Task FlushAsync() => await _lastSend;
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Sequential_loop_and_other_send_apis_are_silent()
    {
        const string source = Usings + """
            using System.Net.Sockets;

            class Pump
            {
                public static async Task DrainAsync(WebSocket socket, IAsyncEnumerable<byte[]> outbox, CancellationToken ct)
                {
                    await foreach (var message in outbox.WithCancellation(ct))
                    {
                        await socket.SendAsync(message, WebSocketMessageType.Binary, true, ct);
                    }
                }

                public static void Raw(Socket tcp, byte[] data)
                {
                    _ = tcp.SendAsync(data, SocketFlags.None);
                }

                public static Task WithContinuation(WebSocket socket, byte[] data)
                    => socket.SendAsync(data, WebSocketMessageType.Binary, true, default)
                        .ContinueWith(t => Console.WriteLine(t.Status), TaskScheduler.Default);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_sends_through_a_sender_created_after_the_socket_is_assigned(TargetFramework framework)
    {
        const string source = Usings + """
            class Publisher
            {
                private readonly WebSocket _socket;

                public Publisher(WebSocket socket) => _socket = socket;

                public WebSocketState State => _socket.State;

                public void Publish(string message)
                {
                    {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, default)|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            class Publisher
            {
                private readonly WebSocket _socket;
                private readonly WebSocketSender _socketSender;

                public Publisher(WebSocket socket)
                {
                    _socket = socket;
                    _socketSender = new WebSocketSender(_socket);
                }

                public WebSocketState State => _socket.State;

                public void Publish(string message)
                {
                    _ = _socketSender.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, default);
                }
            }
            """;

        var test = Verify.Create(framework, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_gives_a_class_one_sender_and_drains_it_before_the_close()
    {
        // The awaited send is not reported, but it moves to the sender too: the sender must be the only writer.
        const string source = Usings + """
            sealed class ChatSession : IAsyncDisposable
            {
                private readonly ClientWebSocket _socket;

                public ChatSession(ClientWebSocket socket)
                {
                    _socket = socket ?? throw new ArgumentNullException(nameof(socket));
                }

                public async Task JoinAsync(string room, CancellationToken ct)
                {
                    {|#0:_socket.SendAsync(Encoding.UTF8.GetBytes("join:" + room), WebSocketMessageType.Text, true, ct)|};
                    _ = {|#1:_socket.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes("hello")), WebSocketMessageType.Text, endOfMessage: true, ct)|};
                    await Task.Yield();
                }

                public async Task SayAsync(ReadOnlyMemory<byte> text, CancellationToken ct)
                {
                    await _socket.SendAsync(text, WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
                }

                public async ValueTask DisposeAsync()
                {
                    Console.WriteLine("leaving");
                    if (_socket.State == WebSocketState.Open)
                    {
                        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    _socket.Dispose();
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            sealed class ChatSession : IAsyncDisposable
            {
                private readonly ClientWebSocket _socket;
                private readonly WebSocketSender _socketSender;

                public ChatSession(ClientWebSocket socket)
                {
                    _socket = socket ?? throw new ArgumentNullException(nameof(socket));
                    _socketSender = new WebSocketSender(_socket);
                }

                public async Task JoinAsync(string room, CancellationToken ct)
                {
                    await _socketSender.SendAsync(Encoding.UTF8.GetBytes("join:" + room), WebSocketMessageType.Text, ct);
                    await _socketSender.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes("hello")), WebSocketMessageType.Text, ct);
                    await Task.Yield();
                }

                public async Task SayAsync(ReadOnlyMemory<byte> text, CancellationToken ct)
                {
                    await _socketSender.SendAsync(text, WebSocketMessageType.Text, ct).ConfigureAwait(false);
                }

                public async ValueTask DisposeAsync()
                {
                    Console.WriteLine("leaving");
                    await _socketSender.DisposeAsync();
                    if (_socket.State == WebSocketState.Open)
                    {
                        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    _socket.Dispose();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_turns_parallel_sends_into_enqueues()
    {
        const string source = Usings + """
            class Uploader
            {
                private WebSocket Socket { get; }

                public Uploader(WebSocket socket)
                {
                    this.Socket = socket;
                }

                public Task UploadAsync(IEnumerable<byte[]> chunks, CancellationToken ct)
                    => Parallel.ForEachAsync(chunks, ct, async (chunk, token) =>
                        await {|#0:this.Socket.SendAsync(chunk, WebSocketMessageType.Binary, true, token)|});
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            class Uploader
            {
                private WebSocket Socket { get; }

                private readonly WebSocketSender _socketSender;

                public Uploader(WebSocket socket)
                {
                    this.Socket = socket;
                    this._socketSender = new WebSocketSender(this.Socket);
                }

                public Task UploadAsync(IEnumerable<byte[]> chunks, CancellationToken ct)
                    => Parallel.ForEachAsync(chunks, ct, async (chunk, token) =>
                        await this._socketSender.SendAsync(chunk, WebSocketMessageType.Binary, token));
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_keeps_the_shape_of_callbacks_and_expression_bodies()
    {
        // A timer callback and a void expression body discard the call as before; an awaited expression body stays awaited.
        const string source = Usings + """
            sealed class Heartbeat : IDisposable
            {
                private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":\"ping\"}");
                private readonly WebSocket _socket;
                private readonly Timer _timer;

                public Heartbeat(WebSocket socket)
                {
                    _socket = socket;
                    _timer = new Timer(_ => {|#0:_socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None)|}, null, 0, 15_000);
                }

                public void PingNow() => {|#1:_socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None)|};

                public async Task PingAsync(CancellationToken ct) => await _socket.SendAsync(Ping.AsMemory(), WebSocketMessageType.Text, true, ct);

                public void Dispose() => _timer.Dispose();
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            sealed class Heartbeat : IDisposable
            {
                private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":\"ping\"}");
                private readonly WebSocket _socket;
                private readonly WebSocketSender _socketSender;
                private readonly Timer _timer;

                public Heartbeat(WebSocket socket)
                {
                    _socket = socket;
                    _socketSender = new WebSocketSender(_socket);
                    _timer = new Timer(_ => _socketSender.SendAsync(Ping, WebSocketMessageType.Text, CancellationToken.None), null, 0, 15_000);
                }

                public void PingNow() => _socketSender.SendAsync(Ping, WebSocketMessageType.Text, CancellationToken.None);

                public async Task PingAsync(CancellationToken ct) => await _socketSender.SendAsync(Ping.AsMemory(), WebSocketMessageType.Text, ct);

                public void Dispose() => _timer.Dispose();
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    public static TheoryData<string, string> ShapesTheSenderCannotTakeOver => new()
    {
        {
            "a fragment (endOfMessage false) cannot be queued as a message",
            "public async Task SendFragmentAsync(byte[] data, CancellationToken ct) { await _socket.SendAsync(data, WebSocketMessageType.Binary, false, ct); }"
        },
        {
            "a returned send task has no sender equivalent",
            "public Task SendAsync(byte[] data, CancellationToken ct) => _socket.SendAsync(data, WebSocketMessageType.Binary, true, ct);"
        },
        {
            "a close outside DisposeAsync would overtake queued messages",
            "public Task StopAsync(CancellationToken ct) => _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);"
        },
        {
            "a socket handed out could be written by someone else",
            "public WebSocket Socket => _socket;"
        },
        {
            "another instance's socket is not this sender's",
            "public async Task CopyAsync(Relay other, byte[] data, CancellationToken ct) { await other._socket.SendAsync(data, WebSocketMessageType.Binary, true, ct); }"
        },
        {
            "a second constructor would leave the sender unset",
            "public Relay() : this(new ClientWebSocket()) { }"
        },
        {
            "a close message cannot be queued",
            "public async Task ByeAsync(byte[] data, CancellationToken ct) { await _socket.SendAsync(data, WebSocketMessageType.Close, true, ct); }"
        },
        {
            "a send after DisposeAsync drained the sender would be refused",
            "public async ValueTask DisposeAsync() { _socket.Abort(); await _socket.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Binary, true, default); }"
        },
    };

    [Theory]
    [MemberData(nameof(ShapesTheSenderCannotTakeOver))]
    public async Task Runtime_fix_is_not_offered_when_another_use_of_the_socket_does_not_map(string reason, string otherMember)
    {
        Assert.NotEmpty(reason);
        var source = Usings + """
            class Relay
            {
                private readonly WebSocket _socket;

                public Relay(WebSocket socket) => _socket = socket;

                public void Run(byte[] data, CancellationToken ct)
                {
                    {|#0:_socket.SendAsync(data, WebSocketMessageType.Binary, true, ct)|};
                }

            """ + "    " + otherMember + """

            }
            """;

        await VerifySenderNotOffered(source, Expected(0));
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_for_a_socket_that_may_be_null()
    {
        // The sender's constructor would throw where the class accepted null.
        const string source = Usings + """
            #nullable enable
            class Publisher
            {
                private readonly WebSocket? _socket;

                public Publisher(WebSocket? socket) => _socket = socket;

                public void Publish(byte[] data)
                {
                    {|#0:_socket.SendAsync(data, WebSocketMessageType.Binary, true, default)|};
                }
            }
            """;

        await VerifySenderNotOffered(source, Expected(0));
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_for_a_socket_the_class_does_not_own()
    {
        // A parameter, and a field created by its initializer (not yet connected when a sender would start).
        const string source = Usings + """
            class Greeter
            {
                private readonly ClientWebSocket _client = new();

                public async Task GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    {|#0:socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct)|};
                    {|#1:_client.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct)|};
                    await Task.Yield();
                }
            }
            """;

        await VerifySenderNotOffered(source, Expected(0), Expected(1));
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_for_a_send_in_task_when_all()
    {
        const string source = Usings + """
            class Snapshot
            {
                private readonly WebSocket _socket;

                public Snapshot(WebSocket socket) => _socket = socket;

                public Task SendAsync(byte[] header, byte[] body, CancellationToken ct)
                    => Task.WhenAll(
                        _socket.SendAsync(header, WebSocketMessageType.Binary, true, ct),
                        {|#0:_socket.SendAsync(body, WebSocketMessageType.Binary, true, ct)|});
            }
            """;

        await VerifySenderNotOffered(source, Expected(0));
    }

    [Fact]
    public async Task Await_fix_is_still_offered_when_the_runtime_is_referenced()
    {
        const string source = Usings + """
            class Greeter
            {
                public async Task GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    {|#0:socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct)|};
                    await Task.Yield();
                }
            }
            """;
        const string fixedSource = Usings + """
            class Greeter
            {
                public async Task GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, ct);
                    await Task.Yield();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.EquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    private const string FireAndForget = "so no caller can await the send: calls overlap on one socket and a failed send escapes where nothing catches it; let callers await a Task, or send through a single writer";

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Async_void_helper_sending_on_a_field_is_reported_without_fix(TargetFramework framework)
    {
        // Each Request/Identify call starts a send nobody waits for; two of them overlap on the one socket.
        const string source = Usings + """
            sealed class ObsClient
            {
                private readonly ClientWebSocket _client = new();

                public async Task ConnectAsync(Uri uri, CancellationToken ct)
                {
                    await _client.ConnectAsync(uri, ct);
                    Send("{\"op\":1}");
                }

                public void Request(string requestType) => Send("{\"op\":6,\"d\":\"" + requestType + "\"}");

                private async void Send(string json)
                {
                    if (_client.State != WebSocketState.Open) return;
                    var bytes = new ArraySegment<byte>(Encoding.UTF8.GetBytes(json));
                    await {|#0:_client.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None)|}.ConfigureAwait(false);
                }
            }
            """;

        var test = Verify.Create(framework);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("_client", "is awaited in the async void method 'Send', " + FireAndForget));
        await test.RunAsync();
    }

    [Fact]
    public async Task Async_void_helper_that_catches_its_failure_is_still_reported_for_the_overlap()
    {
        const string source = Usings + """
            sealed class StatusReporter
            {
                private readonly ClientWebSocket _socket = new();

                public void Report(string status) => Send(Encoding.UTF8.GetBytes(status));

                private async void Send(byte[] payload)
                {
                    try
                    {
                        await {|#0:_socket.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None)|};
                    }
                    catch (WebSocketException e)
                    {
                        Console.Error.WriteLine(e.Message);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments(
            "_socket", "is awaited in the async void method 'Send', so no caller can await the send: calls overlap on one socket; let callers await a Task, or send through a single writer"));
    }

    [Fact]
    public async Task Async_lambda_given_to_a_void_callback_is_reported()
    {
        // The receive loop calls the handler and moves on at its first await: replies overlap each other and SendAsync.
        const string source = Usings + """
            sealed class RpcConnection
            {
                private ClientWebSocket _socket = new();

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    await ReceiveAsync(async message =>
                    {
                        var reply = Encoding.UTF8.GetBytes("ack:" + message);
                        await {|#0:_socket.SendAsync(reply, WebSocketMessageType.Text, true, CancellationToken.None)|};
                    }, ct);
                }

                public async Task SendAsync(string text, CancellationToken ct)
                    => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);

                private async Task ReceiveAsync(Action<string> handleMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        handleMessage(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments("_socket", "is awaited in an async lambda given as a void 'Action<string>', " + FireAndForget));
    }

    [Fact]
    public async Task Async_lambdas_given_to_foreach_timer_and_project_delegates_are_reported()
    {
        const string source = Usings + """
            delegate void MessageHandler(string message);

            sealed class Feed : IDisposable
            {
                private static readonly byte[] Ping = Encoding.UTF8.GetBytes("ping");
                private readonly WebSocket _socket;
                private readonly Timer _heartbeat;
                private readonly System.Timers.Timer _keepAlive = new(30_000);

                public event MessageHandler? Echo;

                public Feed(WebSocket socket)
                {
                    _socket = socket;
                    _heartbeat = new Timer(async _ => await {|#0:_socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None)|}, null, 0, 15_000);
                    _keepAlive.Elapsed += async (sender, e) => await {|#1:_socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None)|};
                    Echo += async message => await {|#2:_socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, default)|};
                }

                public static void SendAll(WebSocket socket, List<string> messages)
                    => messages.ForEach(async m => await {|#3:socket.SendAsync(Encoding.UTF8.GetBytes(m), WebSocketMessageType.Text, true, default)|});

                public void Dispose()
                {
                    _heartbeat.Dispose();
                    _keepAlive.Dispose();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: new[] { Expected(0), Expected(1), Expected(2), Expected(3) });
    }

    [Fact]
    public async Task Async_void_local_function_and_static_helper_on_a_handed_in_socket_are_reported()
    {
        const string source = Usings + """
            static class Replies
            {
                public static async Task ServeAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close) return;
                        Reply(result.Count);
                        SendText(socket, "received");
                    }

                    async void Reply(int count)
                        => await {|#0:socket.SendAsync(BitConverter.GetBytes(count), WebSocketMessageType.Binary, true, ct)|};
                }

                private static async void SendText(WebSocket socket, string text)
                {
                    await {|#1:socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None)|};
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: new[]
        {
            Verify.Diagnostic().WithLocation(0).WithArguments("socket", "is awaited in the async void local function 'Reply', " + FireAndForget),
            Verify.Diagnostic().WithLocation(1).WithArguments("socket", "is awaited in the async void method 'SendText', " + FireAndForget),
        });
    }

    [Fact]
    public async Task Async_lambda_in_a_parallel_loop_is_reported_once_as_concurrent()
    {
        const string source = Usings + """
            sealed class Uploader
            {
                private readonly ClientWebSocket _socket = new();

                public void Upload(IEnumerable<byte[]> chunks)
                    => Parallel.ForEach(chunks, async chunk => await {|#0:_socket.SendAsync(chunk, WebSocketMessageType.Binary, true, default)|});
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments("_socket", "runs in a Parallel loop body on one socket: a WebSocket allows one send at a time; send in sequence or through a single writer"));
    }

    [Fact]
    public async Task Event_handlers_with_sender_and_args_are_silent()
    {
        // async void is the only way to write these; a UI handler's failure reaches the dispatcher.
        const string source = Usings + """
            sealed class RoutedEventArgs
            {
            }

            delegate void RoutedEventHandler(object sender, RoutedEventArgs e);

            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();

                public event EventHandler? SendClicked;
                public event RoutedEventHandler? Loaded;

                public ChatWindow()
                {
                    SendClicked += SendButton_Click;
                    Loaded += OnLoaded;
                    SendClicked += async (sender, e) => await _socket.SendAsync(Encoding.UTF8.GetBytes("typing"), WebSocketMessageType.Text, true, default);
                }

                private async void SendButton_Click(object? sender, EventArgs e)
                {
                    await _socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
                }

                private async void OnLoaded(object sender, RoutedEventArgs e)
                {
                    await _socket.SendAsync(Encoding.UTF8.GetBytes("ready"), WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Async_void_on_its_own_socket_or_behind_a_gate_is_silent()
    {
        const string source = Usings + """
            sealed class AsyncLock
            {
                private readonly SemaphoreSlim _semaphore = new(1, 1);

                public async Task<IDisposable> LockAsync()
                {
                    await _semaphore.WaitAsync();
                    return new Releaser(_semaphore);
                }

                private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
                {
                    public void Dispose() => semaphore.Release();
                }
            }

            sealed class Client
            {
                private readonly ClientWebSocket _socket = new();
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly AsyncLock _lock = new();

                public async void Probe(Uri uri)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, CancellationToken.None);
                    await socket.SendAsync(Encoding.UTF8.GetBytes("probe"), WebSocketMessageType.Text, true, CancellationToken.None);
                }

                public async void SendGated(byte[] data)
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async void SendLocked(byte[] data)
                {
                    using (await _lock.LockAsync())
                    {
                        await _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);
                    }
                }

                public void Flush(List<byte[]> pending)
                    => pending.ForEach(async data =>
                    {
                        using var socket = new ClientWebSocket();
                        await socket.SendAsync(data, WebSocketMessageType.Binary, true, default);
                    });
            }

            // Unity-style start-up: the async void method makes the connection it sends on.
            sealed class GameClient
            {
                private ClientWebSocket? _socket;

                public async void Start()
                {
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(new Uri("wss://game.example.com/ws"), CancellationToken.None);
                    await _socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Async_void_pumps_and_task_returning_lambdas_are_silent()
    {
        // A pump runs once for the connection's life (its lost failure is WSG1001's); Func<Task> lambdas can be awaited.
        const string source = Usings + """
            using System.Threading.Channels;

            sealed class Connection
            {
                private readonly ClientWebSocket _socket = new();
                private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(100);

                public void Start(CancellationToken ct)
                {
                    DrainOutbox(ct);
                    Echo(ct);
                    _ = Task.Run(async () => await _socket.SendAsync(Encoding.UTF8.GetBytes("hi"), WebSocketMessageType.Text, true, ct));
                    _ = OnEachAsync(async text => await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct));
                }

                private async void DrainOutbox(CancellationToken ct)
                {
                    await foreach (var message in _outbox.Reader.ReadAllAsync(ct))
                    {
                        await _socket.SendAsync(message, WebSocketMessageType.Binary, true, ct);
                    }
                }

                private async void Echo(CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        await _socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }

                private async void Heartbeat()
                {
                    await Task.Delay(TimeSpan.FromSeconds(15));
                    await _socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
                    Heartbeat();
                }

                private static Task OnEachAsync(Func<string, Task> handler) => handler("ready");
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Async_void_overrides_and_interface_implementations_are_silent()
    {
        // The void signature belongs to the base type or interface; the send cannot be made awaitable here.
        const string source = Usings + """
            interface IMessageSink
            {
                void OnMessage(string message);
            }

            abstract class SessionBase
            {
                protected abstract void OnOpened();
            }

            sealed class Session : SessionBase, IMessageSink
            {
                private readonly WebSocket _socket;

                public Session(WebSocket socket) => _socket = socket;

                protected override async void OnOpened()
                    => await _socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, default);

                public async void OnMessage(string message)
                    => await _socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, default);

                private async void Forward(Func<WebSocket> next, byte[] data)
                    => await next().SendAsync(data, WebSocketMessageType.Binary, true, default);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Runtime_fix_serialises_an_async_void_helper_through_a_sender()
    {
        // The await fix does not apply (the send is awaited already); the sender makes it the socket's only writer.
        const string source = Usings + """
            sealed class Notifier
            {
                private readonly WebSocket _socket;

                public Notifier(WebSocket socket) => _socket = socket;

                public void Notify(string text) => Send(Encoding.UTF8.GetBytes(text));

                private async void Send(byte[] payload)
                {
                    await {|#0:_socket.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None)|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Collections.Generic;
            using System.Linq;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;
            sealed class Notifier
            {
                private readonly WebSocket _socket;
                private readonly WebSocketSender _socketSender;

                public Notifier(WebSocket socket)
                {
                    _socket = socket;
                    _socketSender = new WebSocketSender(_socket);
                }

                public void Notify(string text) => Send(Encoding.UTF8.GetBytes(text));

                private async void Send(byte[] payload)
                {
                    await _socketSender.SendAsync(payload, WebSocketMessageType.Text, CancellationToken.None);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    private static async Task VerifySenderNotOffered(string source, params DiagnosticResult[] expected)
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.SenderEquivalenceKey;
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }
}
