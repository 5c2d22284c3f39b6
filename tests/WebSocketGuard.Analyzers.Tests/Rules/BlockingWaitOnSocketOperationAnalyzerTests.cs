using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.BlockingWaitOnSocketOperationAnalyzer,
    WebSocketGuard.CodeFixes.BlockingWaitOnSocketOperationCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class BlockingWaitOnSocketOperationAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Result_in_an_async_method_becomes_await(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                async Task<int> ReadAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
                {
                    var result = {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct).Result|};
                    var second = {|#1:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct).Result|}.Count;
                    await Task.Yield();
                    return result.Count + second;
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                async Task<int> ReadAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
                {
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    var second = (await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)).Count;
                    await Task.Yield();
                    return result.Count + second;
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework,
            expected: new[]
            {
                Verify.Diagnostic().WithLocation(0).WithArguments("Result", "ReceiveAsync"),
                Verify.Diagnostic().WithLocation(1).WithArguments("Result", "ReceiveAsync"),
            });
    }

    [Fact]
    public async Task Wait_in_a_synchronous_api_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;

            public sealed class ChatConnection
            {
                private readonly ClientWebSocket _socket = new();

                public void Send(string text)
                {
                    var bytes = Encoding.UTF8.GetBytes(text);
                    {|#0:_socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, CancellationToken.None).Wait()|};
                }

                public bool TrySend(byte[] bytes)
                    => {|#1:_socket.SendAsync(bytes.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask().Wait(TimeSpan.FromSeconds(5))|};
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("Wait()", "SendAsync"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("Wait(...)", "SendAsync"));
        await test.RunAsync();
    }

    [Fact]
    public async Task GetResult_in_a_synchronous_Main_makes_Main_async()
    {
        var test = Verify.Create();
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.TestCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;

            static class Program
            {
                static void Main()
                {
                    using var socket = new ClientWebSocket();
                    {|#0:socket.ConnectAsync(new Uri("wss://echo.example.com"), CancellationToken.None).GetAwaiter().GetResult()|};
                    {|#1:socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false).GetAwaiter().GetResult()|};
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            static class Program
            {
                static async Task Main()
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri("wss://echo.example.com"), CancellationToken.None);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                }
            }
            """;
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 1;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("GetAwaiter().GetResult()", "ConnectAsync"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("GetAwaiter().GetResult()", "CloseOutputAsync"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Task_returning_method_that_completes_synchronously_becomes_async()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Channel
            {
                private readonly WebSocket _socket;

                public Channel(WebSocket socket) => _socket = socket;

                public Task SendAsync(string text)
                {
                    if (text.Length == 0)
                    {
                        return Task.CompletedTask;
                    }

                    {|#0:_socket.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, CancellationToken.None).Wait()|};
                    return Task.CompletedTask;
                }

                public Task<int> ReadAsync(byte[] buffer)
                    => Task.FromResult({|#1:_socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None).Result|}.Count);
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Channel
            {
                private readonly WebSocket _socket;

                public Channel(WebSocket socket) => _socket = socket;

                public async Task SendAsync(string text)
                {
                    if (text.Length == 0)
                    {
                        return;
                    }

                    await _socket.SendAsync(new ArraySegment<byte>(Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Text, true, CancellationToken.None);
                }

                public async Task<int> ReadAsync(byte[] buffer)
                    => (await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None)).Count;
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource,
            expected: new[]
            {
                Verify.Diagnostic().WithLocation(0).WithArguments("Wait()", "SendAsync"),
                Verify.Diagnostic().WithLocation(1).WithArguments("Result", "ReceiveAsync"),
            });
    }

    [Fact]
    public async Task ValueTask_result_in_an_async_lambda_and_a_local_only_blocked_on()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pump
            {
                Func<Task> Build(WebSocket socket, Memory<byte> buffer, CancellationToken ct)
                {
                    return async () =>
                    {
                        ValueWebSocketReceiveResult frame = {|#0:socket.ReceiveAsync(buffer, ct).GetAwaiter().GetResult()|};
                        var closing = socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                        {|#1:closing.Wait()|};
                        await Task.Yield();
                    };
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pump
            {
                Func<Task> Build(WebSocket socket, Memory<byte> buffer, CancellationToken ct)
                {
                    return async () =>
                    {
                        ValueWebSocketReceiveResult frame = await socket.ReceiveAsync(buffer, ct);
                        var closing = socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                        await closing;
                        await Task.Yield();
                    };
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource,
            expected: new[]
            {
                Verify.Diagnostic().WithLocation(0).WithArguments("GetAwaiter().GetResult()", "ReceiveAsync"),
                Verify.Diagnostic().WithLocation(1).WithArguments("Wait()", "CloseAsync"),
            });
    }

    [Fact]
    public async Task Accept_result_in_middleware_and_wait_inside_lock()
    {
        var test = Verify.Create(references: ProjectReferences.AspNetCore);
        test.TestCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class Hub
            {
                private readonly object _gate = new();

                public async Task InvokeAsync(HttpContext context)
                {
                    WebSocket socket = {|#0:context.WebSockets.AcceptWebSocketAsync().Result|};
                    lock (_gate)
                    {
                        {|#1:socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, context.RequestAborted).Wait()|};
                    }

                    await Task.CompletedTask;
                }
            }
            """;
        test.FixedCode = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class Hub
            {
                private readonly object _gate = new();

                public async Task InvokeAsync(HttpContext context)
                {
                    WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
                    lock (_gate)
                    {
                        socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, context.RequestAborted).Wait();
                    }

                    await Task.CompletedTask;
                }
            }
            """;

        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("Result", "AcceptWebSocketAsync"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("Wait()", "SendAsync"));

        // No await inside a lock: that wait stays, reported, without a fix.
        test.FixedState.ExpectedDiagnostics.Add(Verify.Diagnostic().WithSpan(15, 13, 15, 113).WithArguments("Wait()", "SendAsync"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Awaited_operations_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(ClientWebSocket socket, Uri uri, CancellationToken ct)
                {
                    await socket.ConnectAsync(uri, ct).ConfigureAwait(false);
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(new byte[64]), ct);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Result_of_a_task_known_to_be_complete_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Receiver
            {
                async Task<int> ReceiveWithTimeoutAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
                {
                    var receive = socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    var winner = await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(10), ct));
                    return winner == receive ? receive.Result.Count : 0;
                }

                int Peek(WebSocket socket, byte[] buffer)
                {
                    var pending = socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None);
                    return pending.IsCompletedSuccessfully ? pending.Result.Count : -1;
                }

                Task Continue(WebSocket socket, byte[] buffer)
                    => socket.ReceiveAsync(new ArraySegment<byte>(buffer), CancellationToken.None)
                        .ContinueWith(t => Console.WriteLine(t.Result.Count), TaskScheduler.Default);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Locks_awaited_locals_and_members_named_like_blocking_calls_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Sender
            {
                private readonly SemaphoreSlim _sendLock = new(1, 1);

                public void Send(WebSocket socket, byte[] data)
                {
                    _sendLock.Wait();
                    try
                    {
                        _ = socket.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None);
                    }
                    finally
                    {
                        _sendLock.Release();
                    }
                }

                public async Task<int> ReceiveTwiceAsync(WebSocket socket, byte[] buffer, CancellationToken ct)
                {
                    var first = socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    await first;
                    return first.Result.Count;
                }

                public void Offload(ClientWebSocket socket, Uri uri)
                    => Task.Run(() => socket.ConnectAsync(uri, CancellationToken.None)).Wait();
            }
            """;

        // Offload blocks too, on Task.Run rather than on the socket call: the rule does not follow that far.
        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Blocking_on_tasks_that_are_not_socket_operations_is_silent()
    {
        const string source = """
            using System;
            using System.Net.Http;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Setup
            {
                string LoadToken(HttpClient http) => http.GetStringAsync("https://auth.example.com/token").Result;

                void Warm(Func<Task> start) => start().GetAwaiter().GetResult();

                void Flush(Task pending) => pending.Wait();

                WebSocketState State(WebSocket socket) => socket.State;
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
