using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.SocketIoWithoutCancellationCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.SocketIoWithoutCancellationAnalyzer,
    WebSocketGuard.CodeFixes.SocketIoWithoutCancellationCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class SocketIoWithoutCancellationAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Client_receive_loop_with_None_gets_the_method_token(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class PriceClient
            {
                async Task ListenAsync(ClientWebSocket socket, Func<ReadOnlyMemory<byte>, Task> onFrame, CancellationToken cancellationToken)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), {|#0:CancellationToken.None|});
                        await onFrame(buffer.AsMemory(0, result.Count));
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class PriceClient
            {
                async Task ListenAsync(ClientWebSocket socket, Func<ReadOnlyMemory<byte>, Task> onFrame, CancellationToken cancellationToken)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                        await onFrame(buffer.AsMemory(0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("ReceiveAsync", "cancellationToken"));
    }

    [Fact]
    public async Task Middleware_send_with_default_gets_RequestAborted()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted);
                    await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, {|#0:default|});
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted);
                    await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, references: ProjectReferences.AspNetCore,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("SendAsync", "context.RequestAborted"));
    }

    [Fact]
    public async Task Minimal_api_handler_lambda_gets_its_context_token()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/time", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        while (socket.State == WebSocketState.Open)
                        {
                            var bytes = Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O"));
                            await socket.SendAsync(bytes, WebSocketMessageType.Text, true, {|#0:CancellationToken.None|});
                        }
                    });
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, references: ProjectReferences.AspNetCore,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("SendAsync", "context.RequestAborted"));
    }

    [Fact]
    public async Task Controller_action_gets_the_HttpContext_property_token()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;

            public class ChatController : ControllerBase
            {
                [Route("/chat")]
                public async Task Get()
                {
                    using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), {|#0:CancellationToken.None|});
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;

            public class ChatController : ControllerBase
            {
                [Route("/chat")]
                public async Task Get()
                {
                    using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), HttpContext.RequestAborted);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, references: ProjectReferences.AspNetCore,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("ReceiveAsync", "HttpContext.RequestAborted"));
    }

    [Fact]
    public async Task Background_service_connect_gets_stoppingToken()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            sealed class FeedWorker : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri("wss://feed.example.com"), {|#0:new CancellationToken()|});
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            sealed class FeedWorker : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri("wss://feed.example.com"), stoppingToken);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, references: ProjectReferences.AspNetCore,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("ConnectAsync", "stoppingToken"));
    }

    [Fact]
    public async Task Lambda_and_local_function_capture_the_outer_token_and_the_nearest_wins()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pump
            {
                Task StartAsync(WebSocket socket, byte[] payload, CancellationToken outer)
                {
                    var sender = Task.Run(async () => await socket.SendAsync(payload, WebSocketMessageType.Binary, true, {|#0:default|}));
                    return Task.WhenAll(sender, ReceiveAsync(outer));

                    async Task ReceiveAsync(CancellationToken inner)
                    {
                        var buffer = new byte[512];
                        await socket.ReceiveAsync(buffer.AsMemory(), {|#1:CancellationToken.None|});
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source,
            expected: new[]
            {
                Verify.Diagnostic().WithLocation(0).WithArguments("SendAsync", "outer"),
                Verify.Diagnostic().WithLocation(1).WithArguments("ReceiveAsync", "inner"),
            });
    }

    [Fact]
    public async Task Close_gets_a_timeout_token_by_default()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", {|#0:CancellationToken.None|});
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync", "cancellationToken"));
    }

    [Fact]
    public async Task Close_can_also_get_the_token_in_scope()
    {
        var test = Verify.Create();
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                    => socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:default(CancellationToken)|});
            }
            """;
        test.FixedCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                    => socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
            """;
        test.CodeActionEquivalenceKey = Fix.EquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseOutputAsync", "cancellationToken"));
        await test.RunAsync();
    }

    // ---- with the WebSocketGuard runtime referenced, the close-timeout action calls GracefulClose ----

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Close_timeout_with_the_runtime_becomes_GracefulClose(TargetFramework framework)
    {
        var test = Verify.Create(framework, ProjectReferences.Runtime);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", {|#0:CancellationToken.None|}).ConfigureAwait(false);
                }
            }
            """;
        test.FixedCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            class Session
            {
                async Task StopAsync(ClientWebSocket socket, CancellationToken cancellationToken)
                {
                    await GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "bye").ConfigureAwait(false);
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.CloseTimeoutEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync", "cancellationToken"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Expression_bodied_close_with_the_runtime_becomes_GracefulClose()
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            sealed class Session(WebSocket socket)
            {
                public Task StopAsync(CancellationToken ct) => socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:default|});
            }
            """;
        test.FixedCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            sealed class Session(WebSocket socket)
            {
                public Task StopAsync(CancellationToken ct) => GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, null);
            }
            """;
        test.CodeActionEquivalenceKey = Fix.CloseTimeoutEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync", "ct"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Passing_the_token_with_the_runtime_stays_plain()
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:CancellationToken.None|});
                }
            }
            """;
        test.FixedCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.EquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync", "cancellationToken"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Close_with_named_arguments_keeps_the_timeout_token_with_the_runtime()
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken ct)
                {
                    await socket.CloseAsync(statusDescription: "bye", closeStatus: WebSocketCloseStatus.NormalClosure, cancellationToken: {|#0:CancellationToken.None|});
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task StopAsync(WebSocket socket, CancellationToken ct)
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await socket.CloseAsync(statusDescription: "bye", closeStatus: WebSocketCloseStatus.NormalClosure, cancellationToken: closeTimeout.Token);
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.CloseTimeoutEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseAsync", "ct"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_close_timeouts_with_the_runtime_keeps_CloseOutputAsync_on_a_timeout_token()
    {
        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Relay
            {
                async Task ShutdownAsync(WebSocket upstream, WebSocket downstream, CancellationToken ct)
                {
                    await upstream.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:CancellationToken.None|});
                    await downstream.CloseAsync(WebSocketCloseStatus.NormalClosure, null, {|#1:default|});
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            class Relay
            {
                async Task ShutdownAsync(WebSocket upstream, WebSocket downstream, CancellationToken ct)
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await upstream.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closeTimeout.Token);
                    await GracefulClose.CloseAsync(downstream, WebSocketCloseStatus.NormalClosure, null);
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.CloseTimeoutEquivalenceKey;
        test.NumberOfFixAllIterations = 1;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseOutputAsync", "ct"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("CloseAsync", "ct"));
        test.NumberOfIncrementalIterations = 2;
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_passes_tokens_and_names_each_close_timeout_apart()
    {
        var test = Verify.Create();
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Relay
            {
                async Task ShutdownAsync(WebSocket upstream, WebSocket downstream, CancellationToken ct)
                {
                    await upstream.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:CancellationToken.None|});
                    await downstream.CloseAsync(WebSocketCloseStatus.NormalClosure, null, {|#1:default|});
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Relay
            {
                async Task ShutdownAsync(WebSocket upstream, WebSocket downstream, CancellationToken ct)
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await upstream.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closeTimeout.Token);
                    using var closeTimeout2 = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await downstream.CloseAsync(WebSocketCloseStatus.NormalClosure, null, closeTimeout2.Token);
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.CloseTimeoutEquivalenceKey;
        test.NumberOfFixAllIterations = 1;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("CloseOutputAsync", "ct"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("CloseAsync", "ct"));
        test.NumberOfIncrementalIterations = 2;
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_passes_the_nearest_token_everywhere()
    {
        var test = Verify.Create();
        test.TestCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Echo
            {
                async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), {|#0:CancellationToken.None|});
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, {|#1:CancellationToken.None|});
                    }
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Echo
            {
                async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }
            }
            """;
        test.CodeActionEquivalenceKey = Fix.EquivalenceKey;
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 1;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("ReceiveAsync", "ct"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("SendAsync", "ct"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Omitted_optional_token_of_a_socket_subclass_is_added_by_name()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            abstract class TextSocket : WebSocket
            {
                public Task SendAsync(string text, CancellationToken cancellationToken = default)
                    => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
            }

            class Chat
            {
                Task SayAsync(TextSocket socket, CancellationToken ct) => socket.SendAsync{|#0:("hello")|};
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            abstract class TextSocket : WebSocket
            {
                public Task SendAsync(string text, CancellationToken cancellationToken = default)
                    => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
            }

            class Chat
            {
                Task SayAsync(TextSocket socket, CancellationToken ct) => socket.SendAsync("hello", cancellationToken: ct);
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("SendAsync", "ct"));
    }

    [Fact]
    public async Task Helper_without_a_token_in_scope_is_silent()
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
    public async Task Token_passed_or_own_source_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(ClientWebSocket socket, Uri uri, CancellationToken cancellationToken)
                {
                    using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    connectTimeout.CancelAfter(TimeSpan.FromSeconds(10));
                    await socket.ConnectAsync(uri, connectTimeout.Token);
                    var token = cancellationToken;
                    await socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, token);
                    await socket.ReceiveAsync(new byte[16].AsMemory(), cancellationToken);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Close_in_finally_or_catch_after_cancellation_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                async Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    try
                    {
                        var buffer = new byte[1024];
                        while (!ct.IsCancellationRequested)
                        {
                            await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "shutting down", CancellationToken.None);
                    }
                    finally
                    {
                        if (socket.State == WebSocketState.Open)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, default);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Goodbye_in_catch_and_send_after_a_loop_that_ran_until_cancellation_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Broadcaster
            {
                async Task RunAsync(WebSocket socket, CancellationToken stoppingToken)
                {
                    var bye = Encoding.UTF8.GetBytes("server shutting down");
                    try
                    {
                        while (socket.State == WebSocketState.Open)
                        {
                            await socket.SendAsync(Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O")), WebSocketMessageType.Text, true, stoppingToken);
                            await Task.Delay(1000, stoppingToken);
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        await socket.SendAsync(bye, WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                }

                async Task PollAsync(WebSocket socket, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await socket.ReceiveAsync(new byte[64].AsMemory(), ct);
                    }

                    await socket.SendAsync(new byte[] { 0 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, {|#0:CancellationToken.None|});
                }
            }
            """;

        // The close after the loop is still reported: it can hang, and its first fix is a timeout token.
        await Verify.VerifyAnalyzerAsync(source,
            expected: Verify.Diagnostic().WithLocation(0).WithArguments("CloseOutputAsync", "ct"));
    }

    [Fact]
    public async Task Static_lambdas_and_static_local_functions_cannot_capture_the_token()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Worker
            {
                Task RunAsync(WebSocket socket, CancellationToken ct)
                {
                    Func<WebSocket, Task> ping = static s => s.SendAsync(new byte[] { 9 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    return Task.WhenAll(ping(socket), Drain(socket));

                    static async Task Drain(WebSocket s)
                    {
                        await s.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Shadowed_token_name_and_static_controller_helpers_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;

            public class FeedController : ControllerBase
            {
                public static Task SendAsync(WebSocket socket, byte[] data)
                    => socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);

            }

            public class Forwarder
            {
                public Task ForwardAsync(WebSocket socket, CancellationToken ct)
                {
                    // The lambda's string 'ct' hides the token: it is not reachable by name here.
                    Func<string, Task> send = ct => socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    return send("x");
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, references: ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Tokens_from_fields_accessors_or_nullable_contexts_are_not_in_scope()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class Connection
            {
                private readonly CancellationTokenSource _cts = new();
                private readonly ClientWebSocket _socket = new();
                private readonly IHttpContextAccessor _accessor;

                public Connection(IHttpContextAccessor accessor) => _accessor = accessor;

                public Task SendAsync(byte[] data)
                    => _socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);

                public Task PingAsync(HttpContext? context)
                    => _socket.SendAsync(new byte[] { 9 }, WebSocketMessageType.Binary, true, CancellationToken.None);

                public Task PongAsync()
                    => _socket.SendAsync(new byte[] { 10 }, WebSocketMessageType.Binary, true, default);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, references: ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Other_apis_named_like_socket_io_are_silent()
    {
        const string source = """
            using System;
            using System.Net.Sockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Raw
            {
                async Task RunAsync(Socket socket, CancellationToken ct)
                {
                    var buffer = new byte[256];
                    await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, CancellationToken.None);
                    await socket.SendAsync(buffer.AsMemory(), SocketFlags.None, default);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
