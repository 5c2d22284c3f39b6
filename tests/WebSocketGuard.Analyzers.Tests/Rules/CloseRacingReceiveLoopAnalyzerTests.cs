using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.CloseRacingReceiveLoopCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.CloseRacingReceiveLoopAnalyzer,
    WebSocketGuard.CodeFixes.CloseRacingReceiveLoopCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class CloseRacingReceiveLoopAnalyzerTests
{
    private const string RaceMessage = "CloseAsync on '_socket' waits for the peer's Close while 'ReceiveLoopAsync' reads this socket in a receive loop; use CloseOutputAsync and let the loop receive the answer";

    private static string DisposeMessage(string name) => $"'{name}' is disposed without a close handshake: the peer sees an abnormal closure (1006); close it with CloseOutputAsync first";

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task CloseAsync_while_another_member_reads_becomes_CloseOutputAsync(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class FeedClient
            {
                private readonly ClientWebSocket _socket = new();
                private Task? _receiving;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    _receiving = ReceiveLoopAsync(ct);
                }

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }
                    }
                }

                public async Task StopAsync(CancellationToken ct)
                {
                    await _socket.{|#0:CloseAsync|}(WebSocketCloseStatus.NormalClosure, "bye", ct);
                    if (_receiving is not null)
                    {
                        await _receiving;
                    }
                }
            }
            """;
        var fixedSource = source.Replace("{|#0:CloseAsync|}", "CloseOutputAsync");

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments(RaceMessage));
    }

    [Fact]
    public async Task Property_socket_read_with_memory_overload_in_a_lambda_loop()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Session
            {
                public Session(WebSocket socket) => Socket = socket;

                private WebSocket Socket { get; }

                public Task RunAsync(CancellationToken ct) => Task.Run(async () =>
                {
                    var buffer = new byte[1024];
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await Socket.ReceiveAsync(buffer.AsMemory(), ct);
                    }
                    while (result.MessageType != WebSocketMessageType.Close);
                });

                public Task KickAsync(CancellationToken ct)
                    => Socket.{|#0:CloseAsync|}(WebSocketCloseStatus.PolicyViolation, "kicked", ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync on 'Socket' waits for the peer's Close while 'RunAsync' reads this socket in a receive loop; use CloseOutputAsync and let the loop receive the answer"));
    }

    [Fact]
    public async Task Local_socket_disposed_without_close_gets_a_close_first()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, string message, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct);
                    socket.{|#0:Dispose|}();
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, string message, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct);
                    if (socket.State == WebSocketState.Open)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    }

                    socket.Dispose();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("socket")));
    }

    [Fact]
    public async Task Accepted_socket_disposed_in_finally_closes_without_the_request_token()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            sealed class PushMiddleware
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    try
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await socket.SendAsync(BitConverter.GetBytes(i), WebSocketMessageType.Binary, true, context.RequestAborted);
                            await Task.Delay(1000, context.RequestAborted);
                        }
                    }
                    finally
                    {
                        socket.{|#0:Dispose|}();
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

            sealed class PushMiddleware
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    try
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await socket.SendAsync(BitConverter.GetBytes(i), WebSocketMessageType.Binary, true, context.RequestAborted);
                            await Task.Delay(1000, context.RequestAborted);
                        }
                    }
                    finally
                    {
                        if (socket.State == WebSocketState.Open)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                        }

                        socket.Dispose();
                    }
                }
            }
            """;

        var test = Verify.Create(references: ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.CloseBeforeDisposeEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("socket")));
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Local_socket_disposed_without_close_gets_GracefulClose_with_the_runtime(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, string message, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct);
                    socket.{|#0:Dispose|}();
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, string message, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, ct);
                    await GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, cancellationToken: ct);
                    socket.Dispose();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.Runtime,
            Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("socket")));
    }

    [Fact]
    public async Task Accepted_socket_disposed_in_finally_gets_GracefulClose_without_a_token_with_the_runtime()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            sealed class PushMiddleware
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    try
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await socket.SendAsync(BitConverter.GetBytes(i), WebSocketMessageType.Binary, true, context.RequestAborted);
                            await Task.Delay(1000, context.RequestAborted);
                        }
                    }
                    finally
                    {
                        socket.{|#0:Dispose|}();
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard;

            sealed class PushMiddleware
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    try
                    {
                        for (var i = 0; i < 10; i++)
                        {
                            await socket.SendAsync(BitConverter.GetBytes(i), WebSocketMessageType.Binary, true, context.RequestAborted);
                            await Task.Delay(1000, context.RequestAborted);
                        }
                    }
                    finally
                    {
                        await GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure);
                        socket.Dispose();
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.CloseBeforeDisposeEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("socket")));
        await test.RunAsync();
    }

    [Fact]
    public async Task Own_type_named_GracefulClose_does_not_capture_the_runtime_call()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class GracefulClose
            {
                public static void Log(string message) => Console.WriteLine(message);
            }

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    GracefulClose.Log("connected");
                    socket.{|#0:Dispose|}();
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class GracefulClose
            {
                public static void Log(string message) => Console.WriteLine(message);
            }

            static class Notifier
            {
                public static async Task NotifyAsync(Uri endpoint, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(endpoint, ct);
                    GracefulClose.Log("connected");
                    await WebSocketGuard.GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, cancellationToken: ct);
                    socket.Dispose();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.Runtime,
            Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("socket")));
    }

    [Fact]
    public async Task Field_socket_disposed_by_a_class_that_never_closes_it()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Ticker : IDisposable
            {
                private ClientWebSocket? _socket;

                public async Task ConnectAsync(Uri uri, CancellationToken ct)
                {
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(uri, ct);
                }

                public Task PingAsync(CancellationToken ct)
                    => _socket!.SendAsync(new byte[] { 0 }, WebSocketMessageType.Binary, true, ct);

                public void Dispose() => _socket?.{|#0:Dispose|}();
            }
            """;

        await Verify.VerifyAnalyzerAsync(source,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments(DisposeMessage("_socket")));
    }

    [Fact]
    public async Task CloseAsync_beside_a_reader_that_callers_await_in_place_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RequestClient
            {
                private readonly ClientWebSocket _socket = new();

                public async Task<byte[]> RequestAsync(byte[] request, CancellationToken ct)
                {
                    await _socket.SendAsync(request, WebSocketMessageType.Binary, true, ct);
                    return await ReadResponseAsync(ct).ConfigureAwait(false);
                }

                private async Task<byte[]> ReadResponseAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer, ct);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage && message.Length < 65536);

                    return message.ToArray();
                }

                public Task DisconnectAsync(CancellationToken ct)
                    => _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task CloseAsync_beside_a_reader_started_in_the_background_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Feed
            {
                private readonly ClientWebSocket _socket = new();

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    _ = Task.Run(async () => await ReadAsync(ct));
                }

                private async Task ReadAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        await _socket.ReceiveAsync(buffer, ct);
                    }
                }

                public Task StopAsync(CancellationToken ct)
                    => _socket.{|#0:CloseAsync|}(WebSocketCloseStatus.NormalClosure, "bye", ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("CloseAsync on '_socket' waits for the peer's Close while 'ReadAsync' reads this socket in a receive loop; use CloseOutputAsync and let the loop receive the answer"));
    }

    [Fact]
    public async Task CloseAsync_beside_a_pump_that_a_public_method_awaits_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class UnityStyleClient
            {
                private readonly ClientWebSocket _socket = new();

                public async Task Connect(Uri uri)
                {
                    await _socket.ConnectAsync(uri, CancellationToken.None);
                    await Receive();
                }

                private async Task Receive()
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    }
                }

                public Task Close()
                    => _socket.{|#0:CloseAsync|}(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("CloseAsync on '_socket' waits for the peer's Close while 'Receive' reads this socket in a receive loop; use CloseOutputAsync and let the loop receive the answer"));
    }

    [Fact]
    public async Task Field_socket_that_never_connected_is_disposed_silently()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;

            public sealed class ProxyOptionsProbe : IDisposable
            {
                private readonly ClientWebSocket _socket = new();

                public bool UsesProxy => _socket.Options.Proxy is not null;

                public void Dispose() => _socket.Dispose();
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fix_all_renames_every_racing_close()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Relay
            {
                private readonly WebSocket _socket;

                public Relay(WebSocket socket) => _socket = socket;

                public async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    while (!ct.IsCancellationRequested)
                    {
                        await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    }
                }

                public Task StopAsync(CancellationToken ct) => _socket.{|#0:CloseAsync|}(WebSocketCloseStatus.NormalClosure, null, ct);

                public Task RejectAsync(CancellationToken ct) => _socket?.{|#1:CloseAsync|}(WebSocketCloseStatus.PolicyViolation, "no", ct) ?? Task.CompletedTask;
            }
            """;
        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source.Replace("{|#0:CloseAsync|}", "CloseOutputAsync").Replace("{|#1:CloseAsync|}", "CloseOutputAsync");
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 1;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(RaceMessage));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments(RaceMessage));
        await test.RunAsync();
    }

    [Fact]
    public async Task Well_written_client_with_loop_CloseOutputAsync_and_close_answer_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class GoodClient : IAsyncDisposable
            {
                private readonly ClientWebSocket _socket = new();
                private Task _receiving = Task.CompletedTask;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    _receiving = ReceiveLoopAsync(ct);
                }

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            // Answering the peer's Close from the loop itself does not race.
                            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }
                    }
                }

                public async Task StopAsync(CancellationToken ct)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    }
                    else
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    }

                    await _receiving;
                }

                public async ValueTask DisposeAsync()
                {
                    await StopAsync(CancellationToken.None);
                    _socket.Dispose();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task CloseAsync_after_the_loop_in_the_same_method_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Echo
            {
                private readonly WebSocket _socket;

                public Echo(WebSocket socket) => _socket = socket;

                public async Task RunAsync(CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    while (!result.CloseStatus.HasValue)
                    {
                        await _socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                        result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    }

                    await _socket.CloseAsync(result.CloseStatus.Value, result.CloseStatusDescription, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task CloseAsync_without_a_receive_loop_in_the_type_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class RequestReply
            {
                private readonly ClientWebSocket _socket = new();

                public async Task<int> AskAsync(byte[] question, byte[] answer, CancellationToken ct)
                {
                    await _socket.SendAsync(question, WebSocketMessageType.Binary, true, ct);
                    var result = await _socket.ReceiveAsync(new ArraySegment<byte>(answer), ct);
                    return result.Count;
                }

                public Task CloseAsync(CancellationToken ct)
                    => _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }

            public sealed class LocalLoop
            {
                public async Task RunAsync(WebSocket socket, Func<WebSocket, Task> stop, CancellationToken ct)
                {
                    var buffer = new byte[128];
                    while (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    }
                }

                public Task StopAsync(WebSocket socket, CancellationToken ct)
                    => socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Dispose_after_close_abort_or_a_loop_ended_on_Close_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Sessions
            {
                public static async Task ClosedFirstAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    socket.Dispose();
                }

                public static async Task AbortedFirstAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    socket.Abort();
                    socket.Dispose();
                }

                public static async Task LoopEndsOnCloseAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[512];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }
                    }

                    socket.Dispose();
                }

                public static async Task StateCheckedAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    await socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, ct);
                    if (socket.State is WebSocketState.Closed or WebSocketState.Aborted)
                    {
                        socket.Dispose();
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Dispose_in_catch_handed_off_or_in_a_cleanup_helper_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Lifecycle
            {
                public static async Task ConnectOrGiveUpAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        await socket.ConnectAsync(uri, ct);
                        await socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, ct);
                    }
                    catch (WebSocketException)
                    {
                        socket.Dispose();
                        throw;
                    }
                }

                public static async Task HandOffAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    await ShutdownAsync(socket, ct);
                    socket.Dispose();
                }

                public static void Cleanup(WebSocket socket) => socket.Dispose();

                private static Task ShutdownAsync(WebSocket socket, CancellationToken ct)
                    => socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Field_sockets_closed_elsewhere_injected_or_exposed_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Closes : IDisposable
            {
                private readonly ClientWebSocket _socket = new();

                public Task CloseAsync(CancellationToken ct) => _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);

                public void Dispose() => _socket.Dispose();
            }

            public sealed class Injected : IDisposable
            {
                private readonly WebSocket _socket;

                public Injected(WebSocket socket) => _socket = socket;

                public void Dispose() => _socket.Dispose();
            }

            public sealed class Exposed : IDisposable
            {
                public ClientWebSocket Socket { get; } = new();

                public void Dispose() => Socket.Dispose();
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
