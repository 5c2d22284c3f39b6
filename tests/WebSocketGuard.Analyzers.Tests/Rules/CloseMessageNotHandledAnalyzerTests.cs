using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.CloseMessageNotHandledAnalyzer,
    WebSocketGuard.CodeFixes.CloseMessageNotHandledCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class CloseMessageNotHandledAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Client_loop_without_close_check_is_reported_and_fixed(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class PriceClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onPrice, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        onPrice(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class PriceClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onPrice, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        onPrice(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Verify.Diagnostic().WithLocation(0).WithArguments("socket"));
    }

    [Fact]
    public async Task Server_handler_with_memory_overload_is_reported_and_fixed()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class EchoEndpoint
            {
                public static async Task HandleAsync(HttpContext context)
                {
                    using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    while (!context.RequestAborted.IsCancellationRequested)
                    {
                        ValueWebSocketReceiveResult received = await {|#0:webSocket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted)|};
                        await webSocket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class EchoEndpoint
            {
                public static async Task HandleAsync(HttpContext context)
                {
                    using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    while (!context.RequestAborted.IsCancellationRequested)
                    {
                        ValueWebSocketReceiveResult received = await webSocket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                        if (received.MessageType == WebSocketMessageType.Close)
                        {
                            await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                            break;
                        }

                        await webSocket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Verify.Diagnostic().WithLocation(0).WithArguments("webSocket"));
    }

    [Fact]
    public async Task Close_after_the_loop_only_needs_a_break()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Feed
            {
                async Task RunAsync(Uri uri, Func<byte[], int, Task> handle, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    var buffer = new byte[8192];
                    WebSocketReceiveResult result;
                    while (!ct.IsCancellationRequested)
                    {
                        result = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                        await handle(buffer, result.Count);
                    }

                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Feed
            {
                async Task RunAsync(Uri uri, Func<byte[], int, Task> handle, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    var buffer = new byte[8192];
                    WebSocketReceiveResult result;
                    while (!ct.IsCancellationRequested)
                    {
                        result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        await handle(buffer, result.Count);
                    }

                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("socket"));
    }

    [Fact]
    public async Task State_guard_on_own_socket_that_never_answers_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class ChatEndpoint
            {
                public static async Task HandleAsync(HttpContext context, Func<string, Task> broadcast)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted)|};
                        await broadcast(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Verify.Diagnostic().WithLocation(0).WithArguments("socket"));
    }

    [Fact]
    public async Task Discarded_result_in_a_drain_loop_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Drainer
            {
                async Task DrainAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[256];
                    for (;;)
                    {
                        await {|#0:socket.ReceiveAsync(buffer, ct)|};
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("socket"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_handles_every_loop_in_the_document()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Bridge
            {
                async Task PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await {|#0:from.ReceiveAsync(buffer, ct)|};
                        await to.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }

                async Task LogAsync(WebSocket socket, Action<int> log, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var frame = await {|#1:socket.ReceiveAsync(buffer.AsMemory(), ct)|};
                        log(frame.Count);
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Bridge
            {
                async Task PumpAsync(WebSocket from, WebSocket to, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await from.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await from.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        await to.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }

                async Task LogAsync(WebSocket socket, Action<int> log, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var frame = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (frame.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        log(frame.Count);
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("from"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("socket"));
        test.NumberOfFixAllIterations = 1;
        await test.RunAsync();
    }

    [Fact]
    public async Task Close_message_type_check_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        onText(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Close_status_loop_condition_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Echo
            {
                public static async Task RunAsync(WebSocket webSocket)
                {
                    var buffer = new byte[1024 * 4];
                    var receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
                    while (!receiveResult.CloseStatus.HasValue)
                    {
                        await webSocket.SendAsync(new ArraySegment<byte>(buffer, 0, receiveResult.Count), receiveResult.MessageType, receiveResult.EndOfMessage, CancellationToken.None);
                        receiveResult = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
                    }

                    await webSocket.CloseAsync(receiveResult.CloseStatus.Value, receiveResult.CloseStatusDescription, CancellationToken.None);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Switch_on_message_type_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Dispatcher
            {
                async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        switch (result.MessageType)
                        {
                            case WebSocketMessageType.Close:
                                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                                return;
                            case WebSocketMessageType.Text:
                                break;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Result_handed_to_a_callback_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Middleware
            {
                async Task ReceiveAsync(WebSocket socket, Func<WebSocketReceiveResult, byte[], Task> handleMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        await handleMessage(result, buffer);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_answered_after_the_loop_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task RunAsync(Uri uri, Action<byte[], int> onData, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        onData(buffer, result.Count);
                    }

                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_on_a_parameter_is_left_to_the_caller()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                public async Task ReadAsync(WebSocket socket, Action<byte[], int> onData, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        onData(buffer, result.Count);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fragment_loop_of_a_single_message_is_left_to_the_caller()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Messages
            {
                public static async Task<byte[]> ReadMessageAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var message = new MemoryStream();
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (message.Length + result.Count > 65536)
                        {
                            throw new InvalidDataException("too big");
                        }

                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);

                    return message.ToArray();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Socket_close_status_check_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Demuxer
            {
                async Task RunLoopAsync(WebSocket webSocket, Action<byte[], int> onFrame, CancellationToken ct)
                {
                    var buffer = new byte[1024 * 1024];
                    while (!ct.IsCancellationRequested)
                    {
                        var result = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (webSocket.CloseStatus != null)
                        {
                            return;
                        }

                        onFrame(buffer, result.Count);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Single_receive_outside_a_loop_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Handshake
            {
                async Task<int> ReadGreetingAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
                {
                    var result = await socket.ReceiveAsync(buffer, ct);
                    return result.Count;
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Loop_left_on_any_other_message_type_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class TextOnlyClient
            {
                async Task ListenAsync(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (result.MessageType != WebSocketMessageType.Text)
                        {
                            break;
                        }

                        onText(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }

                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Message_type_handed_to_a_handler_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Router
            {
                async Task RouteAsync(WebSocket socket, Func<WebSocketMessageType, ArraySegment<byte>, Task<bool>> dispatch, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var keepGoing = true;
                    while (keepGoing)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        keepGoing = await dispatch(result.MessageType, new ArraySegment<byte>(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_on_a_field_in_async_void_is_reported_and_fixed()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class TickerClient
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                private readonly byte[] _buffer = new byte[4096];
                public event Action<string>? Tick;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    ReceiveLoop(ct);
                }

                private async void ReceiveLoop(CancellationToken ct)
                {
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:_socket.ReceiveAsync(new ArraySegment<byte>(_buffer), ct)|};
                        Tick?.Invoke(Encoding.UTF8.GetString(_buffer, 0, result.Count));
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class TickerClient
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                private readonly byte[] _buffer = new byte[4096];
                public event Action<string>? Tick;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    ReceiveLoop(ct);
                }

                private async void ReceiveLoop(CancellationToken ct)
                {
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(_buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        Tick?.Invoke(Encoding.UTF8.GetString(_buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("_socket"));
    }

    [Fact]
    public async Task State_guard_in_a_fragment_loop_inside_a_flag_loop_is_reported_without_a_fix()
    {
        // 'break' would leave only the inner loop; the outer loop would go on with a closed socket.
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Threading;

            class DanmakuConnection
            {
                private ClientWebSocket _ws = new ClientWebSocket();
                private volatile bool _running = true;
                private readonly ConcurrentQueue<byte[]> _inbox = new ConcurrentQueue<byte[]>();

                public async void Pump(CancellationToken ct)
                {
                    var chunk = new byte[2048];
                    var message = new List<byte>();
                    while (_running)
                    {
                        message.Clear();
                        bool last;
                        do
                        {
                            if (_ws.State != WebSocketState.Open)
                            {
                                break;
                            }

                            var result = await {|#0:_ws.ReceiveAsync(new ArraySegment<byte>(chunk), ct)|};
                            message.AddRange(new ArraySegment<byte>(chunk, 0, result.Count));
                            last = result.EndOfMessage;
                        }
                        while (!last);

                        _inbox.Enqueue(message.ToArray());
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("_ws"));
        await test.RunAsync();
    }

    [Fact]
    public async Task State_guard_in_a_discarded_Task_Run_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Telemetry
            {
                public void Listen(WebSocket socket, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[1024];
                        while (socket.State == WebSocketState.Open && !ct.IsCancellationRequested)
                        {
                            var frame = await {|#0:socket.ReceiveAsync(buffer.AsMemory(), ct)|};
                            onFrame(buffer.AsMemory(0, frame.Count));
                        }
                    });
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments("socket"));
    }

    [Fact]
    public async Task Recursive_async_void_receive_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;

            class SensorFeed
            {
                private readonly ClientWebSocket _client = new ClientWebSocket();
                private readonly ArraySegment<byte> _buffer = new ArraySegment<byte>(new byte[1024]);
                public Action<string>? OnReading;

                public async void Connect(Uri uri)
                {
                    await _client.ConnectAsync(uri, CancellationToken.None);
                    ReadNext();
                }

                private async void ReadNext()
                {
                    WebSocketReceiveResult received = await {|#0:_client.ReceiveAsync(_buffer, CancellationToken.None)|};
                    OnReading?.Invoke(Encoding.UTF8.GetString(_buffer.Array!, 0, received.Count));
                    ReadNext();
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("_client"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Recursive_receive_in_a_local_function_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Relay
            {
                public static Task ForwardAsync(WebSocket source, Func<byte[], int, Task> forward, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    return NextAsync();

                    async Task NextAsync()
                    {
                        var result = await {|#0:source.ReceiveAsync(buffer.AsMemory(), ct)|};
                        await forward(buffer, result.Count);
                        await NextAsync();
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithArguments("source"));
    }

    [Fact]
    public async Task State_checked_right_after_the_receive_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;

            class Listener
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                public Action<byte[], int>? Received;

                private async void ReceiveLoop(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (_socket.State != WebSocketState.Open)
                        {
                            break;
                        }

                        Received?.Invoke(buffer, result.Count);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_followed_by_an_own_disconnect_method_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                public Action<byte[], int>? Received;

                private async void ReceiveLoop(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        Received?.Invoke(buffer, result.Count);
                    }

                    await DisconnectAsync();
                }

                public async Task DisconnectAsync()
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_followed_by_a_disconnected_event_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;

            class Session
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                public event Action<byte[], int>? Received;
                public event Action<WebSocket>? Disconnected;

                private async void ReceiveLoop(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        Received?.Invoke(buffer, result.Count);
                    }

                    Disconnected?.Invoke(_socket);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_on_a_field_in_an_awaited_method_is_left_to_the_owner()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                public Action<byte[], int>? Received;

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    await ReceiveLoopAsync(ct);
                    await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                }

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        Received?.Invoke(buffer, result.Count);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_that_only_uses_non_empty_payloads_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;

            class Listener
            {
                private readonly ClientWebSocket _socket = new ClientWebSocket();
                public Action<byte[], int>? Received;

                private async void ReceiveLoop(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.Count > 0)
                        {
                            Received?.Invoke(buffer, result.Count);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task State_guard_in_an_observed_Task_Run_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Telemetry
            {
                private Task? _pump;

                public void Listen(WebSocket socket, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
                {
                    _pump = Task.Run(async () =>
                    {
                        var buffer = new byte[1024];
                        while (socket.State == WebSocketState.Open)
                        {
                            var frame = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                            onFrame(buffer.AsMemory(0, frame.Count));
                        }
                    });
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Recursion_guarded_by_the_socket_state_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;

            class SensorFeed
            {
                private readonly ClientWebSocket _client = new ClientWebSocket();
                private readonly byte[] _buffer = new byte[1024];
                public Action<byte[], int>? OnReading;

                private async void ReadNext()
                {
                    var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                    OnReading?.Invoke(_buffer, received.Count);
                    if (_client.State == WebSocketState.Open)
                    {
                        ReadNext();
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Recursion_that_checks_the_message_type_or_retries_from_a_catch_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                private readonly ClientWebSocket _client = new ClientWebSocket();
                private readonly byte[] _buffer = new byte[1024];
                public Action<byte[], int>? OnData;

                private async void ReadNext()
                {
                    var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        await _client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        return;
                    }

                    OnData?.Invoke(_buffer, received.Count);
                    ReadNext();
                }

                private async Task<int> ReadGreetingAsync(int attempt)
                {
                    try
                    {
                        var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                        return received.Count;
                    }
                    catch (WebSocketException) when (attempt < 3)
                    {
                        return await ReadGreetingAsync(attempt + 1);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Recursion_that_hands_the_result_to_a_handler_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                private readonly ClientWebSocket _client = new ClientWebSocket();
                private readonly byte[] _buffer = new byte[1024];
                public Func<WebSocketReceiveResult, byte[], Task>? Handle;

                private async void ReadNext()
                {
                    var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                    await Handle!(received, _buffer);
                    ReadNext();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
