using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.ReceiveLoopWithoutErrorHandlingCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.ReceiveLoopWithoutErrorHandlingAnalyzer,
    WebSocketGuard.CodeFixes.ReceiveLoopWithoutErrorHandlingCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class ReceiveLoopWithoutErrorHandlingAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    // The receive call travels as an additional location for the fixer; the fix tests check its use.
    private static DiagnosticResult Expected(int location)
        => new DiagnosticResult(RuleIds.ReceiveLoopWithoutErrorHandling, DiagnosticSeverity.Warning).WithLocation(location).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private static DiagnosticResult Expected(int location, string call, string reason)
        => Verify.Diagnostic().WithLocation(location).WithArguments(call, reason).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Async_void_receive_loop_is_reported_and_wrapped(TargetFramework framework)
    {
        const string source = Usings + """
            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();
                private readonly CancellationTokenSource _closing = new();

                public async void OnConnected()
                {
                    var buffer = new byte[4096];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, _closing.Token);
                        Console.WriteLine(result.Count);
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();
                private readonly CancellationTokenSource _closing = new();

                public async void OnConnected()
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (_socket.State == WebSocketState.Open)
                        {
                            var result = await _socket.ReceiveAsync(buffer, _closing.Token);
                            Console.WriteLine(result.Count);
                        }
                    }
                    catch (OperationCanceledException) when (_closing.Token.IsCancellationRequested)
                    {
                    }
                    catch (WebSocketException)
                    {
                        _socket.Abort();
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Expected(0, "ReceiveAsync", "'OnConnected' is async void, so nothing can catch it"));
    }

    [Fact]
    public async Task Discarded_Task_Run_loop_is_reported_and_wrapped()
    {
        const string source = Usings + """
            static class Listener
            {
                public static void Start(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[1024];
                        {|#0:while|} (!ct.IsCancellationRequested)
                        {
                            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                            onText(System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
                        }
                    });
                }
            }
            """;
        const string fixedSource = Usings + """
            static class Listener
            {
                public static void Start(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[1024];
                        try
                        {
                            while (!ct.IsCancellationRequested)
                            {
                                var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                                onText(System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
                            }
                        }
                        catch (OperationCanceledException) when (ct.IsCancellationRequested)
                        {
                        }
                        catch (WebSocketException)
                        {
                            socket.Abort();
                        }
                    });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0, "ReceiveAsync", "the delegate runs in Task.Run whose task is discarded"));
    }

    [Fact]
    public async Task Method_whose_task_the_caller_discards_is_reported_and_logs_with_the_logger_in_scope()
    {
        const string source = Usings + """
            using Microsoft.Extensions.Logging;

            sealed class PriceClient
            {
                private readonly ILogger<PriceClient> _logger;
                private readonly ClientWebSocket _socket = new();

                public PriceClient(ILogger<PriceClient> logger) => _logger = logger;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    _ = ReceiveLoopAsync(ct);
                }

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    {|#0:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            using Microsoft.Extensions.Logging;

            sealed class PriceClient
            {
                private readonly ILogger<PriceClient> _logger;
                private readonly ClientWebSocket _socket = new();

                public PriceClient(ILogger<PriceClient> logger) => _logger = logger;

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    _ = ReceiveLoopAsync(ct);
                }

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (true)
                        {
                            var result = await _socket.ReceiveAsync(buffer, ct);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                return;
                            }
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }
                    catch (WebSocketException ex)
                    {
                        _logger.LogWarning(ex, "WebSocket connection failed");
                        _socket.Abort();
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Expected(0, "ReceiveAsync", "its caller discards the task of 'ReceiveLoopAsync'"));
    }

    [Fact]
    public async Task Minimal_api_handler_and_the_echo_method_it_awaits_are_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        await EchoAsync(socket, context.RequestAborted);
                    });

                    app.Use(async (context, next) =>
                    {
                        if (!context.WebSockets.IsWebSocketRequest)
                        {
                            await next(context);
                            return;
                        }

                        var socket = await context.WebSockets.AcceptWebSocketAsync();
                        var buffer = new byte[1024];
                        {|#1:while|} (!(await socket.ReceiveAsync(buffer, context.RequestAborted)).CloseStatus.HasValue)
                        {
                        }
                    });
                }

                private static async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    {|#0:while|} (!result.CloseStatus.HasValue)
                    {
                        await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                        result = await socket.ReceiveAsync(buffer, ct);
                    }

                    await socket.CloseAsync(result.CloseStatus.Value, result.CloseStatusDescription, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Expected(0, "ReceiveAsync", "'EchoAsync' is awaited where the delegate is an ASP.NET Core request handler (Map), where an abrupt disconnect becomes an unhandled request error"),
            Expected(1));
    }

    [Fact]
    public async Task Middleware_background_service_and_controller_loops_are_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using System.Threading.Channels;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.Hosting;

            sealed class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    {|#0:while|} (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(buffer, context.RequestAborted);
                    }
                }
            }

            sealed class Forwarder : BackgroundService
            {
                private readonly ClientWebSocket _socket = new();
                private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(1024);

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    {|#1:await|} foreach (var message in _outbox.Reader.ReadAllAsync(stoppingToken))
                    {
                        await _socket.SendAsync(message, WebSocketMessageType.Binary, true, stoppingToken);
                    }
                }
            }

            public sealed class StreamController : ControllerBase
            {
                [HttpGet("/stream")]
                public async Task Get()
                {
                    using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[1024];
                    {|#2:do|}
                    {
                        await socket.ReceiveAsync(buffer, HttpContext.RequestAborted);
                    }
                    while (socket.State == WebSocketState.Open);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore, Expected(0), Expected(1), Expected(2));
    }

    [Fact]
    public async Task Push_loop_in_a_handler_and_receive_loop_in_Main_are_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;

            static class Clock
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/time", async context =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        {|#0:while|} (true)
                        {
                            await socket.SendAsync(Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O")), WebSocketMessageType.Text, true, CancellationToken.None);
                            await Task.Delay(1000);
                        }
                    });
                }
            }

            static class Program
            {
                static async Task Main()
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri("wss://clock.example.com"), CancellationToken.None);
                    var buffer = new byte[256];
                    {|#1:while|} (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                        Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Expected(0, "SendAsync", "the delegate is an ASP.NET Core request handler (Map), where an abrupt disconnect becomes an unhandled request error"),
            Expected(1, "ReceiveAsync", "the program's entry point lets it end the process"));
    }

    [Fact]
    public async Task Proxy_pumps_combined_with_WhenAll_under_middleware_are_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class ProxyMiddleware
            {
                public ProxyMiddleware(RequestDelegate next)
                {
                }

                public async Task Invoke(HttpContext context)
                {
                    await ProxyAsync(context);
                }

                private async Task ProxyAsync(HttpContext context)
                {
                    using var upstream = new ClientWebSocket();
                    await upstream.ConnectAsync(new Uri("wss://backend.example.com"), context.RequestAborted);
                    using var downstream = await context.WebSockets.AcceptWebSocketAsync();
                    await Task.WhenAll(
                        PumpAsync(upstream, downstream, context.RequestAborted),
                        PumpAsync(downstream, upstream, context.RequestAborted));
                }

                private static async Task PumpAsync(WebSocket source, WebSocket destination, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    {|#0:while|} (true)
                    {
                        var result = await source.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        await destination.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore, Expected(0));
    }

    [Fact]
    public async Task Synchronous_method_called_as_a_statement_is_silent()
    {
        const string source = Usings + """
            sealed class Blocking
            {
                private readonly ClientWebSocket _socket = new();

                public void Run()
                {
                    Pump();
                }

                private void Pump()
                {
                    var buffer = new byte[256];
                    while (_socket.State == WebSocketState.Open)
                    {
                        _socket.ReceiveAsync(buffer, CancellationToken.None).GetAwaiter().GetResult();
                    }
                }

                public async Task SendChunksAsync(byte[][] chunks, CancellationToken ct)
                {
                    for (var i = 0; i < chunks.Length; i++)
                    {
                        await _socket.SendAsync(chunks[i], WebSocketMessageType.Binary, i == chunks.Length - 1, ct);
                    }
                }

                public void Start(CancellationToken ct)
                {
                    _ = SendChunksAsync(new byte[0][], ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fix_all_wraps_every_reported_loop()
    {
        const string source = Usings + """
            sealed class Pair
            {
                private readonly ClientWebSocket _left = new();
                private readonly ClientWebSocket _right = new();

                public async void ListenLeft(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#0:while|} (true)
                    {
                        await _left.ReceiveAsync(buffer, ct);
                    }
                }

                public async void ListenRight(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#1:while|} (true)
                    {
                        await _right.ReceiveAsync(buffer, ct);
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class Pair
            {
                private readonly ClientWebSocket _left = new();
                private readonly ClientWebSocket _right = new();

                public async void ListenLeft(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    try
                    {
                        while (true)
                        {
                            await _left.ReceiveAsync(buffer, ct);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }
                    catch (WebSocketException)
                    {
                        _left.Abort();
                    }
                }

                public async void ListenRight(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    try
                    {
                        while (true)
                        {
                            await _right.ReceiveAsync(buffer, ct);
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }
                    catch (WebSocketException)
                    {
                        _right.Abort();
                    }
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
    public async Task Awaited_async_Task_loops_are_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private readonly ClientWebSocket _socket = new();

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    await _socket.ConnectAsync(uri, ct);
                    await ReceiveLoopAsync(ct);
                }

                public Task ListenAsync(CancellationToken ct) => ReceiveLoopAsync(ct);

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        await _socket.ReceiveAsync(buffer, ct);
                    }
                }

                public static async Task PublicWithoutCallersAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(buffer, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Loops_with_a_catch_or_observed_tasks_are_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private readonly ClientWebSocket _socket = new();
                private Task? _receiving;

                public async void OnConnected(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (true)
                        {
                            await _socket.ReceiveAsync(buffer, ct);
                        }
                    }
                    catch (WebSocketException)
                    {
                        _socket.Abort();
                    }
                }

                public async void OnReady(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        try
                        {
                            await _socket.ReceiveAsync(buffer, ct);
                        }
                        catch (Exception ex)
                        {
                            Console.WriteLine(ex);
                            return;
                        }
                    }
                }

                public void Start(CancellationToken ct)
                {
                    _receiving = Task.Run(() => ReceiveLoopAsync(ct));
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await ReceiveLoopAsync(ct);
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine(ex.Message);
                        }
                    });
                }

                public Task StopAsync() => _receiving ?? Task.CompletedTask;

                private async Task ReceiveLoopAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (_socket.State == WebSocketState.Open)
                    {
                        await _socket.ReceiveAsync(buffer, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Awaited_Task_Run_local_functions_and_guarded_services_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.Extensions.Hosting;

            sealed class Worker : BackgroundService
            {
                private readonly ClientWebSocket _socket = new();

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    try
                    {
                        await ListenAsync(stoppingToken);
                        await PooledAsync(stoppingToken);
                    }
                    catch (WebSocketException)
                    {
                        _socket.Abort();
                    }
                }

                private async Task PooledAsync(CancellationToken stoppingToken)
                {
                    await Task.Run(async () =>
                    {
                        var buffer = new byte[256];
                        while (_socket.State == WebSocketState.Open)
                        {
                            await _socket.ReceiveAsync(buffer, stoppingToken);
                        }
                    }, stoppingToken);

                    await DrainAsync();

                    async Task DrainAsync()
                    {
                        var buffer = new byte[256];
                        while (_socket.State == WebSocketState.Open)
                        {
                            await _socket.ReceiveAsync(buffer, stoppingToken);
                        }
                    }
                }

                private async Task ListenAsync(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    while (_socket.State == WebSocketState.Open)
                    {
                        await _socket.ReceiveAsync(buffer, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Handler_with_catch_and_send_loops_that_are_not_pumps_are_silent()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        try
                        {
                            await EchoAsync(socket, context.RequestAborted);
                        }
                        catch (WebSocketException)
                        {
                            socket.Abort();
                        }
                    });
                }

                private static async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(buffer, ct);
                    }
                }

                public static async void Broadcast(IEnumerable<WebSocket> clients, byte[] message)
                {
                    foreach (var client in clients)
                    {
                        await client.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Loops_in_a_runtime_MapWebSocket_handler_are_silent_but_not_under_plain_middleware()
    {
        // MapWebSocket catches a dropped connection around its handler; WebSocketAccept in middleware leaves that to the caller.
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using WebSocketGuard.AspNetCore;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.MapWebSocket("/echo", connection => EchoAsync(connection.Socket, connection.Aborted));

                    app.MapWebSocket("/inline", async connection =>
                    {
                        var buffer = new byte[1024];
                        while (!(await connection.Socket.ReceiveAsync(buffer, connection.Aborted)).CloseStatus.HasValue)
                        {
                        }
                    });

                    app.Use(async (context, next) =>
                    {
                        var connection = await WebSocketAccept.AcceptAsync(context);
                        if (connection is null)
                        {
                            await next(context);
                            return;
                        }

                        var buffer = new byte[1024];
                        {|#0:while|} (!(await connection.Socket.ReceiveAsync(buffer, connection.Aborted)).CloseStatus.HasValue)
                        {
                        }
                    });
                }

                private static async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    while (!result.CloseStatus.HasValue)
                    {
                        await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                        result = await socket.ReceiveAsync(buffer, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime, Expected(0));
    }

    private const string TextUsings = """
        using System;
        using System.Net.WebSockets;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private const string RuntimeUsings = """
        using System;
        using System.Net.WebSockets;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using WebSocketGuard;

        """;

    private static Task VerifyReceiveLoopFixAsync(string source, string fixedSource, TargetFramework framework = TargetFramework.Net100, params DiagnosticResult[] expected)
    {
        var test = Verify.Create(framework, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.ReceiveLoopEquivalenceKey;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    // The runtime action must not exist for any of the loops: asking for it leaves the code as it was.
    private static Task VerifyNoReceiveLoopFixAsync(string source, int loops, ProjectReferences references = ProjectReferences.Runtime)
    {
        var test = Verify.Create(TargetFramework.Net100, references);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.ReceiveLoopEquivalenceKey;
        for (var i = 0; i < loops; i++)
        {
            test.ExpectedDiagnostics.Add(Expected(i));
            test.FixedState.ExpectedDiagnostics.Add(Expected(i));
        }

        return test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_turns_the_loop_body_into_the_ReceiveLoop_callback(TargetFramework framework)
    {
        const string source = TextUsings + """
            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();
                private readonly CancellationTokenSource _closing = new();

                public async void OnConnected()
                {
                    var buffer = new byte[4096];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, _closing.Token);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", _closing.Token);
                            break;
                        }

                        // One chat line per message.
                        var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                        await ShowAsync(text);
                    }

                    Console.WriteLine("Disconnected");
                }

                private Task ShowAsync(string text) => Task.CompletedTask;
            }
            """;
        const string fixedSource = RuntimeUsings + """
            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();
                private readonly CancellationTokenSource _closing = new();

                public async void OnConnected()
                {
                    await ReceiveLoop.RunAsync(_socket, async (message, _) =>
                    {
                        // One chat line per message.
                        var text = message.GetText();
                        await ShowAsync(text);
                    }, cancellationToken: _closing.Token);

                    Console.WriteLine("Disconnected");
                }

                private Task ShowAsync(string text) => Task.CompletedTask;
            }
            """;

        await VerifyReceiveLoopFixAsync(source, fixedSource, framework, Expected(0));
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_in_a_Task_Run_lambda_keeps_ConfigureAwait_and_returns_a_completed_ValueTask_from_a_synchronous_body(TargetFramework framework)
    {
        const string source = TextUsings + """
            static class Feed
            {
                public static void Start(WebSocket socket, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[8192];
                        {|#0:while|} (true)
                        {
                            var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct).ConfigureAwait(false);
                            if (result.CloseStatus.HasValue)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
                                return;
                            }

                            onFrame(buffer.AsMemory(0, result.Count));
                        }
                    });
                }
            }
            """;
        const string fixedSource = RuntimeUsings + """
            static class Feed
            {
                public static void Start(WebSocket socket, Action<ReadOnlyMemory<byte>> onFrame, CancellationToken ct)
                {
                    _ = Task.Run(async () =>
                    {
                        await ReceiveLoop.RunAsync(socket, (message, _) =>
                        {
                            onFrame(message.Payload);
                            return ValueTask.CompletedTask;
                        }, cancellationToken: ct).ConfigureAwait(false);
                    });
                }
            }
            """;

        await VerifyReceiveLoopFixAsync(source, fixedSource, framework, Expected(0));
    }

    [Fact]
    public async Task Runtime_fix_of_a_do_while_loop_turns_continue_into_return()
    {
        const string source = TextUsings + """
            sealed class Ticker
            {
                public async void Listen(ClientWebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    {|#0:do|}
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        if (result.MessageType != WebSocketMessageType.Text)
                        {
                            continue; // binary frames carry nothing for us
                        }

                        for (var i = 0; i < 2; i++)
                        {
                            if (i == 1)
                            {
                                continue;
                            }

                            await PrintAsync(Encoding.UTF8.GetString(buffer, 0, result.Count));
                        }
                    }
                    while (!ct.IsCancellationRequested && socket.State == WebSocketState.Open);
                }

                private static Task PrintAsync(string line) => Task.CompletedTask;
            }
            """;
        const string fixedSource = RuntimeUsings + """
            sealed class Ticker
            {
                public async void Listen(ClientWebSocket socket, CancellationToken ct)
                {
                    await ReceiveLoop.RunAsync(socket, async (message, _) =>
                    {
                        if (message.MessageType != WebSocketMessageType.Text)
                        {
                            return; // binary frames carry nothing for us
                        }

                        for (var i = 0; i < 2; i++)
                        {
                            if (i == 1)
                            {
                                continue;
                            }

                            await PrintAsync(message.GetText());
                        }
                    }, cancellationToken: ct);
                }

                private static Task PrintAsync(string line) => Task.CompletedTask;
            }
            """;

        await VerifyReceiveLoopFixAsync(source, fixedSource, TargetFramework.Net100, Expected(0));
    }

    [Fact]
    public async Task Runtime_fix_in_a_request_handler_picks_a_free_name_for_the_message()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app, Func<string, Task> publish)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        var buffer = new byte[4096];
                        {|#0:while|} (socket.State == WebSocketState.Open)
                        {
                            var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                                break;
                            }

                            var message = Encoding.UTF8.GetString(buffer, 0, result.Count);
                            await publish(message);
                        }
                    });
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard;

            static class Endpoints
            {
                public static void Map(WebApplication app, Func<string, Task> publish)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        await ReceiveLoop.RunAsync(socket, async (received, _) =>
                        {
                            var message = received.GetText();
                            await publish(message);
                        }, cancellationToken: context.RequestAborted);
                    });
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.ReceiveLoopEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_replaces_every_loop_and_a_single_await_becomes_an_expression_lambda()
    {
        const string source = TextUsings + """
            sealed class Pair
            {
                private readonly ClientWebSocket _left = new();
                private readonly ClientWebSocket _right = new();

                public async void ListenLeft(Func<string, Task> onText, CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#0:while|} (_left.State == WebSocketState.Open)
                    {
                        var result = await _left.ReceiveAsync(buffer, ct);
                        await onText(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }

                public async void ListenRight(Func<int, Task> onSize)
                {
                    var buffer = new byte[256];
                    {|#1:while|} (true)
                    {
                        var result = await _right.ReceiveAsync(buffer, CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        await onSize(result.Count);
                    }
                }
            }
            """;
        const string fixedSource = RuntimeUsings + """
            sealed class Pair
            {
                private readonly ClientWebSocket _left = new();
                private readonly ClientWebSocket _right = new();

                public async void ListenLeft(Func<string, Task> onText, CancellationToken ct)
                {
                    await ReceiveLoop.RunAsync(_left, async (message, _) => await onText(message.GetText()), cancellationToken: ct);
                }

                public async void ListenRight(Func<int, Task> onSize)
                {
                    await ReceiveLoop.RunAsync(_right, async (message, _) => await onSize(message.Payload.Length));
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.ReceiveLoopEquivalenceKey;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_when_the_body_leaves_the_loop_or_the_buffer_outlives_it()
    {
        const string source = TextUsings + """
            sealed class Client
            {
                private readonly ClientWebSocket _socket = new();
                private readonly ClientWebSocket[] _sockets = { new() };
                private bool _running = true;
                private int _last;

                public async void StopsOnEmpty(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.Count == 0)
                        {
                            break;
                        }

                        Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }

                public async void ReturnsOnQuit(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#1:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                        if (text == "quit")
                        {
                            return;
                        }
                    }
                }

                public async void KeepsTheLastBytes(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#2:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        Console.WriteLine(result.Count);
                    }

                    Console.WriteLine(buffer[0]);
                }

                public async void WatchesItsOwnFlag(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#3:while|} (_running)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        Console.WriteLine(result.Count);
                    }
                }

                public async void ReadsAnElement(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#4:while|} (true)
                    {
                        var result = await _sockets[0].ReceiveAsync(buffer, ct);
                        Console.WriteLine(result.Count);
                    }
                }

                public async void SaysGoodbye(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#5:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            Console.WriteLine("Peer closed");
                            break;
                        }

                        Console.WriteLine(result.Count);
                    }
                }

                public async void ParsesIntoALocal(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    var last = 0;
                    {|#6:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        int.TryParse(Encoding.UTF8.GetString(buffer, 0, result.Count), out last);
                        _last = last;
                    }
                }

                public async void SkipsWithGoto(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#7:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.Count == 0)
                        {
                            goto done;
                        }

                        Console.WriteLine(result.Count);
                    }

                done:
                    Console.WriteLine("done");
                }
            }
            """;

        await VerifyNoReceiveLoopFixAsync(source, loops: 8);
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_for_hand_reassembly_echo_or_send_loops()
    {
        const string source = TextUsings + """
            using System.IO;
            using System.Threading.Channels;

            sealed class Relay
            {
                private readonly ClientWebSocket _socket = new();
                private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(16);

                public async void Reassembles(Action<byte[]> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[256];
                    using var stream = new MemoryStream();
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        stream.Write(buffer, 0, result.Count);
                        if (result.EndOfMessage)
                        {
                            onMessage(stream.ToArray());
                            stream.SetLength(0);
                        }
                    }
                }

                public async void Echoes(CancellationToken ct)
                {
                    var buffer = new byte[256];
                    {|#1:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        await _socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }

                public async void Drains(CancellationToken ct)
                {
                    {|#2:await|} foreach (var payload in _outbox.Reader.ReadAllAsync(ct))
                    {
                        await _socket.SendAsync(payload, WebSocketMessageType.Binary, true, ct);
                    }
                }
            }
            """;

        await VerifyNoReceiveLoopFixAsync(source, loops: 3);
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_without_the_runtime()
    {
        const string source = TextUsings + """
            sealed class ChatWindow
            {
                private readonly ClientWebSocket _socket = new();

                public async void OnConnected(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await VerifyNoReceiveLoopFixAsync(source, loops: 1, ProjectReferences.None);
    }

    [Fact]
    public async Task Runtime_fix_keeps_the_code_after_the_loop_and_the_locals_the_body_updates()
    {
        const string source = TextUsings + """
            sealed class Counter
            {
                private readonly ClientWebSocket _socket = new();

                public void Start(CancellationToken ct)
                {
                    _ = CountMessagesAsync(ct);
                }

                private async Task<int> CountMessagesAsync(CancellationToken ct)
                {
                    var count = 0;
                    var buffer = new byte[512];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        count++;
                    }

                    return count;
                }
            }
            """;
        const string fixedSource = RuntimeUsings + """
            sealed class Counter
            {
                private readonly ClientWebSocket _socket = new();

                public void Start(CancellationToken ct)
                {
                    _ = CountMessagesAsync(ct);
                }

                private async Task<int> CountMessagesAsync(CancellationToken ct)
                {
                    var count = 0;
                    await ReceiveLoop.RunAsync(_socket, (message, _) =>
                    {
                        count++;
                        return ValueTask.CompletedTask;
                    }, cancellationToken: ct);

                    return count;
                }
            }
            """;

        await VerifyReceiveLoopFixAsync(source, fixedSource, TargetFramework.Net100, Expected(0));
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_where_the_loop_must_not_end()
    {
        // The Close branch returns from the method, so the code after the loop never ran on Close; and a loop that
        // never ends leaves a Task<int> method without a value at its end.
        const string source = TextUsings + """
            sealed class Client
            {
                private readonly ClientWebSocket _socket = new();

                public void Start(CancellationToken ct)
                {
                    _ = ListenAsync(ct);
                    _ = ForeverAsync(ct);
                }

                private async Task ListenAsync(CancellationToken ct)
                {
                    var buffer = new byte[512];
                    {|#0:while|} (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        Console.WriteLine(result.Count);
                    }

                    Console.WriteLine("The server went away without a Close");
                }

                private async Task<int> ForeverAsync(CancellationToken ct)
                {
                    var buffer = new byte[512];
                    {|#1:while|} (true)
                    {
                        var result = await _socket.ReceiveAsync(buffer, ct);
                        Console.WriteLine(result.Count);
                    }
                }
            }
            """;

        await VerifyNoReceiveLoopFixAsync(source, loops: 2);
    }

    [Fact]
    public async Task Recursive_async_void_receive_is_reported_without_a_fix()
    {
        // No loop to wrap or to replace with ReceiveLoop: neither fix is offered, even with the runtime referenced.
        const string source = TextUsings + """
            sealed class SensorFeed
            {
                private readonly ClientWebSocket _client = new();
                private readonly ArraySegment<byte> _buffer = new(new byte[1024]);

                public async void Connect(Uri uri)
                {
                    try
                    {
                        await _client.ConnectAsync(uri, CancellationToken.None);
                        ReadNext();
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine(e.Message);
                    }
                }

                private async void ReadNext()
                {
                    WebSocketReceiveResult received = await {|#0:_client.ReceiveAsync(_buffer, CancellationToken.None)|};
                    Console.WriteLine(Encoding.UTF8.GetString(_buffer.Array!, 0, received.Count));
                    ReadNext();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0, "ReceiveAsync", "'ReadNext' is async void, so nothing can catch it"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Recursive_local_function_started_and_discarded_is_reported()
    {
        const string source = TextUsings + """
            sealed class Relay
            {
                public void Start(WebSocket source, Func<byte[], int, Task> forward, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    _ = NextAsync();

                    async Task NextAsync()
                    {
                        var result = await {|#0:source.ReceiveAsync(buffer.AsMemory(), ct)|};
                        await forward(buffer, result.Count);
                        await NextAsync();
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0));
    }

    [Fact]
    public async Task Recursive_receives_that_catch_are_conditional_or_awaited_are_silent()
    {
        const string source = TextUsings + """
            sealed class Reader
            {
                private readonly ClientWebSocket _client = new();
                private readonly byte[] _buffer = new byte[1024];

                private async void ReadCaught()
                {
                    try
                    {
                        var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                        Console.WriteLine(received.Count);
                        ReadCaught();
                    }
                    catch (WebSocketException e)
                    {
                        Console.WriteLine(e.Message);
                    }
                }

                private async void ReadWhileOpen()
                {
                    var received = await _client.ReceiveAsync(new ArraySegment<byte>(_buffer), CancellationToken.None);
                    Console.WriteLine(received.Count);
                    if (received.MessageType != WebSocketMessageType.Close)
                    {
                        ReadWhileOpen();
                    }
                }

                public async Task RunAsync(CancellationToken ct)
                {
                    try
                    {
                        await ReadAllAsync(ct);
                    }
                    catch (WebSocketException)
                    {
                        _client.Abort();
                    }
                }

                private async Task ReadAllAsync(CancellationToken ct)
                {
                    var received = await _client.ReceiveAsync(_buffer.AsMemory(), ct);
                    Console.WriteLine(received.Count);
                    await ReadAllAsync(ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
