using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.ReceiveBufferPerIterationAnalyzer,
    WebSocketGuard.CodeFixes.ReceiveBufferPerIterationCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class ReceiveBufferPerIterationAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Buffer_declared_in_the_loop_is_reported_and_hoisted(TargetFramework framework)
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
                    while (socket.State == WebSocketState.Open)
                    {
                        var buffer = {|#0:new byte[4096]|};
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        onText(Encoding.UTF8.GetString(buffer, 0, result.Count));
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

            class Client
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        onText(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Verify.Diagnostic().WithLocation(0).WithArguments(" 'buffer'"));
    }

    [Fact]
    public async Task Per_message_buffer_around_a_fragment_loop_is_reported_and_hoisted()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class Middleware
            {
                public static async Task ReceiveAsync(HttpContext context, WebSocket socket, Func<byte[], Task> onMessage)
                {
                    while (socket.State == WebSocketState.Open)
                    {
                        var buffer = {|#0:WebSocket.CreateServerBuffer(4096)|};
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                            if (message.Length > 65536)
                            {
                                return;
                            }

                            message.Write(buffer.Array!, buffer.Offset, result.Count);
                        }
                        while (!result.EndOfMessage);

                        await onMessage(message.ToArray());
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class Middleware
            {
                public static async Task ReceiveAsync(HttpContext context, WebSocket socket, Func<byte[], Task> onMessage)
                {
                    var buffer = WebSocket.CreateServerBuffer(4096);
                    while (socket.State == WebSocketState.Open)
                    {
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                            if (message.Length > 65536)
                            {
                                return;
                            }

                            message.Write(buffer.Array!, buffer.Offset, result.Count);
                        }
                        while (!result.EndOfMessage);

                        await onMessage(message.ToArray());
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Verify.Diagnostic().WithLocation(0).WithArguments(" 'buffer'"));
    }

    [Fact]
    public async Task Memory_overload_with_size_from_a_field_is_reported_and_hoisted()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Feed
            {
                private readonly int _bufferSize = 16 * 1024;

                async Task PumpAsync(WebSocket socket, Action<ReadOnlyMemory<byte>> sink, CancellationToken ct)
                {
                    for (var frames = 0; ; frames++)
                    {
                        var chunk = {|#0:new byte[_bufferSize]|};
                        var result = await socket.ReceiveAsync(chunk.AsMemory(), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        Console.WriteLine(Convert.ToBase64String(chunk, 0, result.Count));
                    }
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
                private readonly int _bufferSize = 16 * 1024;

                async Task PumpAsync(WebSocket socket, Action<ReadOnlyMemory<byte>> sink, CancellationToken ct)
                {
                    var chunk = new byte[_bufferSize];
                    for (var frames = 0; ; frames++)
                    {
                        var result = await socket.ReceiveAsync(chunk.AsMemory(), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        Console.WriteLine(Convert.ToBase64String(chunk, 0, result.Count));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(" 'chunk'"));
    }

    [Fact]
    public async Task Segment_over_a_new_array_in_a_fragment_loop_is_reported_and_hoisted()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class DanmakuSocket
            {
                private const int ReceiveBufferSize = 2048;
                private readonly ClientWebSocket _ws = new();
                private readonly Queue<byte[]> _queue = new();

                async Task LoopReceiveAsync(CancellationToken ct)
                {
                    var message = new List<byte>();
                    while (_ws.State == WebSocketState.Open)
                    {
                        message.Clear();
                        bool endOfMessage;
                        do
                        {
                            var buffer = new ArraySegment<byte>({|#0:new byte[ReceiveBufferSize]|});
                            var result = await _ws.ReceiveAsync(buffer, ct);
                            if (result.MessageType == WebSocketMessageType.Close || message.Count > 1 << 20)
                            {
                                return;
                            }

                            message.AddRange(new ArraySegment<byte>(buffer.Array!, 0, result.Count));
                            endOfMessage = result.EndOfMessage;
                        }
                        while (!endOfMessage);

                        _queue.Enqueue(message.ToArray());
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

            class DanmakuSocket
            {
                private const int ReceiveBufferSize = 2048;
                private readonly ClientWebSocket _ws = new();
                private readonly Queue<byte[]> _queue = new();

                async Task LoopReceiveAsync(CancellationToken ct)
                {
                    var message = new List<byte>();
                    var buffer = new ArraySegment<byte>(new byte[ReceiveBufferSize]);
                    while (_ws.State == WebSocketState.Open)
                    {
                        message.Clear();
                        bool endOfMessage;
                        do
                        {
                            var result = await _ws.ReceiveAsync(buffer, ct);
                            if (result.MessageType == WebSocketMessageType.Close || message.Count > 1 << 20)
                            {
                                return;
                            }

                            message.AddRange(new ArraySegment<byte>(buffer.Array!, 0, result.Count));
                            endOfMessage = result.EndOfMessage;
                        }
                        while (!endOfMessage);

                        _queue.Enqueue(message.ToArray());
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(" 'buffer'"));
    }

    [Fact]
    public async Task Inline_allocation_is_reported_without_a_fix()
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
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>({|#0:new byte[1024]|}), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(""));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_hoists_every_buffer()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pumps
            {
                async Task FirstAsync(WebSocket socket, CancellationToken ct)
                {
                    while (true)
                    {
                        var buffer = {|#0:new byte[4096]|};
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }
                    }
                }

                async Task SecondAsync(WebSocket socket, CancellationToken ct)
                {
                    while (true)
                    {
                        var buffer = {|#1:new byte[8192]|};
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pumps
            {
                async Task FirstAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }
                    }
                }

                async Task SecondAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[8192];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(" 'buffer'"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments(" 'buffer'"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Buffer_allocated_once_is_silent()
    {
        const string source = """
            using System;
            using System.Buffers;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ListenAsync(WebSocket socket, Action<byte[], int> onData, CancellationToken ct)
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(4096);
                    try
                    {
                        while (true)
                        {
                            var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                return;
                            }

                            onData(buffer, result.Count);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Per_message_payload_copy_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ListenAsync(WebSocket socket, Action<byte[]> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[65536];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        var payload = new byte[result.Count];
                        Buffer.BlockCopy(buffer, 0, payload, 0, result.Count);
                        onMessage(payload);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Buffer_that_each_message_keeps_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;

            class Reader
            {
                private readonly Channel<(byte[] Data, int Length)> _inbox = Channel.CreateBounded<(byte[] Data, int Length)>(100);

                async Task ReadAsync(WebSocket socket, CancellationToken ct)
                {
                    while (true)
                    {
                        var buffer = new byte[4096];
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        await _inbox.Writer.WriteAsync((buffer, result.Count), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Buffer_sized_per_message_is_silent()
    {
        const string source = """
            using System;
            using System.Buffers.Binary;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class LengthPrefixed
            {
                async Task ReadAsync(WebSocket socket, Action<byte[]> onFrame, CancellationToken ct)
                {
                    var header = new byte[4];
                    while (true)
                    {
                        var headerResult = await socket.ReceiveAsync(header, ct);
                        if (headerResult.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        var length = BinaryPrimitives.ReadInt32BigEndian(header);
                        var body = new byte[length];
                        await socket.ReceiveAsync(body, ct);
                        onFrame(body);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Allocation_outside_a_receive_loop_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Sender
            {
                async Task SendAllAsync(WebSocket socket, string[] lines, CancellationToken ct)
                {
                    foreach (var line in lines)
                    {
                        var bytes = new byte[line.Length];
                        await socket.SendAsync(bytes, WebSocketMessageType.Text, true, ct);
                    }

                    var buffer = new byte[128];
                    await socket.ReceiveAsync(buffer, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Buffer_inside_a_lambda_started_per_connection_is_silent()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Hub
            {
                void StartAll(IEnumerable<WebSocket> sockets, CancellationToken ct)
                {
                    foreach (var socket in sockets)
                    {
                        _ = Task.Run(async () =>
                        {
                            var buffer = new byte[4096];
                            await socket.ReceiveAsync(buffer, ct);
                        });
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Buffer_per_connection_in_a_reconnect_loop_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Reconnecting
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                        await socket.ConnectAsync(uri, ct);
                        var buffer = new byte[4096];
                        while (socket.State == WebSocketState.Open)
                        {
                            var result = await socket.ReceiveAsync(buffer, ct);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                break;
                            }

                            Console.WriteLine(BitConverter.ToString(buffer, 0, result.Count));
                        }

                        await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
