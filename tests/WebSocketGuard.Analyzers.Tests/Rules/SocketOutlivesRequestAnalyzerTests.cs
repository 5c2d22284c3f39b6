using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.SocketOutlivesRequestAnalyzer,
    WebSocketGuard.CodeFixes.SocketOutlivesRequestCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class SocketOutlivesRequestAnalyzerTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;

    private static DiagnosticResult Outlives(int location, string socket, string how)
        => Verify.Diagnostic().WithLocation(location).WithArguments(socket, how);

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Task_Run_in_a_minimal_api_endpoint_is_awaited_by_the_fix(TargetFramework framework)
    {
        const string source = """
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
                        var socket = await context.WebSockets.AcceptWebSocketAsync();
                        _ = {|#0:Task.Run(() => EchoAsync(socket, CancellationToken.None))|};
                    });
                }

                static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    var buffer = new byte[1024];
                    await socket.ReceiveAsync(buffer, cancellationToken);
                }
            }
            """;
        const string fixedSource = """
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
                        var socket = await context.WebSockets.AcceptWebSocketAsync();
                        await Task.Run(() => EchoAsync(socket, CancellationToken.None));
                    });
                }

                static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    var buffer = new byte[1024];
                    await socket.ReceiveAsync(buffer, cancellationToken);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, Web, Outlives(0, "socket", "handed to background work"));
    }

    [Fact]
    public async Task Fix_all_awaits_unawaited_calls_in_middleware_and_controllers()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public sealed class ChatMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await next(context);
                        return;
                    }

                    using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
                    {|#0:Chat.RunAsync(webSocket)|};
                }
            }

            public class FeedController : ControllerBase
            {
                [HttpGet("/feed")]
                public async Task Get()
                {
                    var ws = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    _ = {|#1:Chat.RunAsync(ws)|};
                }
            }

            static class Chat
            {
                public static Task RunAsync(WebSocket socket) => socket.ReceiveAsync(new byte[16], default);
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            public sealed class ChatMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await next(context);
                        return;
                    }

                    using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
                    await Chat.RunAsync(webSocket);
                }
            }

            public class FeedController : ControllerBase
            {
                [HttpGet("/feed")]
                public async Task Get()
                {
                    var ws = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    await Chat.RunAsync(ws);
                }
            }

            static class Chat
            {
                public static Task RunAsync(WebSocket socket) => socket.ReceiveAsync(new byte[16], default);
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Outlives(0, "webSocket", "passed to a task that is not awaited"));
        test.ExpectedDiagnostics.Add(Outlives(1, "ws", "passed to a task that is not awaited"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Socket_stored_in_a_registry_then_return_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Collections.Concurrent;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class SocketRegistry
            {
                private readonly ConcurrentDictionary<Guid, WebSocket> _sockets = new();
                private readonly ConcurrentDictionary<string, WebSocket> _byUser = new();

                public async Task ConnectAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    {|#0:_sockets.TryAdd(Guid.NewGuid(), socket)|};
                }

                public async Task ConnectUserAsync(HttpContext context, string user)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    {|#1:_byUser[user] = socket|};
                }

                public async Task ConnectInBackgroundAsync(HttpContext context)
                {
                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var pump = {|#2:Task.Factory.StartNew(() => socket.ReceiveAsync(new byte[16], default))|};
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Outlives(0, "socket", "stored in a collection"));
        test.ExpectedDiagnostics.Add(Outlives(1, "socket", "stored in a collection"));
        test.ExpectedDiagnostics.Add(Outlives(2, "socket", "handed to background work"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""
        // The work is awaited.
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await Task.Run(() => PumpAsync(socket));
                await Task.Run(() => PumpAsync(socket)).ConfigureAwait(false);
                await PumpAsync(socket);
            }

            static Task PumpAsync(WebSocket socket) => socket.ReceiveAsync(new byte[16], default);
        }
        """)]
    [InlineData("""
        // Registered, then the handler runs the receive loop itself.
        using System;
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        sealed class Hub
        {
            private readonly ConcurrentDictionary<Guid, WebSocket> _sockets = new();

            public async Task HandleAsync(HttpContext context)
            {
                var id = Guid.NewGuid();
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                _sockets.TryAdd(id, socket);
                try
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        await socket.ReceiveAsync(buffer, context.RequestAborted);
                    }
                }
                finally
                {
                    _sockets.TryRemove(id, out _);
                }
            }
        }
        """)]
    [InlineData("""
        // Handed to a background service with a completion source the handler awaits.
        using System.Collections.Concurrent;
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        sealed class Broker
        {
            private readonly ConcurrentQueue<(WebSocket Socket, TaskCompletionSource Done)> _pending = new();

            public async Task HandleAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending.Enqueue((socket, done));
                await done.Task;
            }
        }
        """)]
    [InlineData("""
        // The task is kept and awaited later.
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                var receiving = Task.Run(() => socket.ReceiveAsync(new byte[16], default));
                var sending = PumpAsync(socket);
                await Task.WhenAll(receiving, sending);
            }

            static Task PumpAsync(WebSocket socket) => socket.SendAsync(new byte[1], WebSocketMessageType.Binary, true, default);
        }
        """)]
    [InlineData("""
        // HttpListener keeps the connection after the method returns: not this rule.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                var context = await listener.GetContextAsync();
                var webSocketContext = await context.AcceptWebSocketAsync(null);
                var socket = webSocketContext.WebSocket;
                _ = Task.Run(() => socket.ReceiveAsync(new byte[16], default));
            }
        }
        """)]
    [InlineData("""
        // Handed to other code synchronously: not followed.
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                Log(socket);
                await context.Response.CompleteAsync();
            }

            static void Log(WebSocket socket) { }
        }
        """)]
    [InlineData("""
        // The accepted socket is returned to the caller.
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task<WebSocket> AcceptAsync(HttpContext context)
            {
                var socket = await context.WebSockets.AcceptWebSocketAsync();
                return socket;
            }
        }
        """)]
    public async Task Work_kept_inside_the_request_is_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web);
    }
}
