using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.InboundMessageSizeNotLimitedAnalyzer,
    WebSocketGuard.CodeFixes.InboundMessageSizeNotLimitedCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class InboundMessageSizeNotLimitedAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Accepted_socket_into_memory_stream_is_a_warning_and_fixed(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class CommandEndpoint
            {
                public static async Task HandleAsync(HttpContext context, Func<byte[], Task> execute)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    while (true)
                    {
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await {|#1:socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted)|};
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                                return;
                            }

                            {|#0:message.Write(buffer, 0, result.Count)|};
                        }
                        while (!result.EndOfMessage);

                        await execute(message.ToArray());
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class CommandEndpoint
            {
                public static async Task HandleAsync(HttpContext context, Func<byte[], Task> execute)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    while (true)
                    {
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                                return;
                            }

                            if (message.Length + result.Count > 64 * 1024)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", context.RequestAborted);
                                return;
                            }

                            message.Write(buffer, 0, result.Count);
                        }
                        while (!result.EndOfMessage);

                        await execute(message.ToArray());
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.AspNetCore,
            Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments("message"));
    }

    [Fact]
    public async Task Client_socket_into_list_is_info_and_fixed()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class DanmakuClient
            {
                async Task LoopReceiveAsync(ClientWebSocket socket, Action<byte[]> enqueue, CancellationToken ct)
                {
                    var buffer = new byte[2048];
                    var bytes = new List<byte>();
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#1:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        {|#0:bytes.AddRange(new ArraySegment<byte>(buffer, 0, result.Count))|};
                        if (result.EndOfMessage)
                        {
                            enqueue(bytes.ToArray());
                            bytes.Clear();
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

            class DanmakuClient
            {
                async Task LoopReceiveAsync(ClientWebSocket socket, Action<byte[]> enqueue, CancellationToken ct)
                {
                    var buffer = new byte[2048];
                    var bytes = new List<byte>();
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (bytes.Count + result.Count > 64 * 1024)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        bytes.AddRange(new ArraySegment<byte>(buffer, 0, result.Count));
                        if (result.EndOfMessage)
                        {
                            enqueue(bytes.ToArray());
                            bytes.Clear();
                        }
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithLocation(1).WithArguments("bytes"));
    }

    [Fact]
    public async Task Server_handler_parameter_into_string_builder_with_memory_overload_is_a_warning()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class ChatHandler
            {
                public async Task OnConnectedAsync(HttpContext context, WebSocket socket, Func<string, Task> onMessage)
                {
                    var buffer = new byte[1024];
                    var text = new StringBuilder();
                    while (true)
                    {
                        var result = await {|#1:socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        {|#0:text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count))|};
                        if (result.EndOfMessage)
                        {
                            await onMessage(text.ToString());
                            text.Clear();
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments("text"));
    }

    [Fact]
    public async Task Buffer_writer_uses_configured_limit()
    {
        const string source = """
            using System;
            using System.Buffers;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Transport
            {
                async Task ReadMessagesAsync(ClientWebSocket socket, Func<ReadOnlyMemory<byte>, Task> onMessage, CancellationToken ct)
                {
                    var writer = new ArrayBufferWriter<byte>();
                    while (true)
                    {
                        var result = await {|#1:socket.ReceiveAsync(writer.GetMemory(4096), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        {|#0:writer.Advance(result.Count)|};
                        if (result.EndOfMessage)
                        {
                            await onMessage(writer.WrittenMemory);
                            writer.Clear();
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Buffers;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Transport
            {
                async Task ReadMessagesAsync(ClientWebSocket socket, Func<ReadOnlyMemory<byte>, Task> onMessage, CancellationToken ct)
                {
                    var writer = new ArrayBufferWriter<byte>();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(writer.GetMemory(4096), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        if (writer.WrittenCount + result.Count > 1024 * 1024)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        writer.Advance(result.Count);
                        if (result.EndOfMessage)
                        {
                            await onMessage(writer.WrittenMemory);
                            writer.Clear();
                        }
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\nwebsocketguard.max_message_bytes = 1048576\n"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithLocation(1).WithArguments("writer"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Method_returning_the_message_is_reported_without_a_fix()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Rpc
            {
                async Task<string> ReceiveJsonAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var stream = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await {|#1:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        {|#0:stream.Write(buffer, 0, result.Count)|};
                    }
                    while (!result.EndOfMessage);

                    return Encoding.UTF8.GetString(stream.ToArray());
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithLocation(1).WithArguments("stream"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Two_writes_to_one_stream_are_reported_once_at_the_fragment_loop()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Gateway
            {
                async Task RunAsync(ClientWebSocket socket, Func<ReadOnlyMemory<byte>, Task> dispatch, CancellationToken ct)
                {
                    var buffer = new byte[16 * 1024];
                    while (!ct.IsCancellationRequested)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.EndOfMessage)
                        {
                            await dispatch(buffer.AsMemory(0, result.Count));
                            continue;
                        }

                        using var stream = new MemoryStream();
                        stream.Write(buffer, 0, result.Count);
                        do
                        {
                            result = await {|#1:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                            {|#0:stream.Write(buffer, 0, result.Count)|};
                        }
                        while (!result.EndOfMessage);

                        await dispatch(stream.ToArray());
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithLocation(1).WithArguments("stream"));
    }

    [Fact]
    public async Task Fix_all_limits_every_accumulation()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Text;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pumps
            {
                async Task BinaryAsync(ClientWebSocket socket, Action<byte[]> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var message = new MemoryStream();
                    while (true)
                    {
                        var result = await {|#2:socket.ReceiveAsync(buffer.AsMemory(), ct)|};
                        await {|#0:message.WriteAsync(buffer.AsMemory(0, result.Count), ct)|};
                        if (result.EndOfMessage)
                        {
                            onMessage(message.ToArray());
                            message.SetLength(0);
                        }
                    }
                }

                async Task TextAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var text = new StringBuilder();
                    while (true)
                    {
                        var result = await {|#3:socket.ReceiveAsync(buffer.AsMemory(), ct)|};
                        {|#1:text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count))|};
                        if (result.EndOfMessage)
                        {
                            onMessage(text.ToString());
                            text.Clear();
                        }
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.IO;
            using System.Text;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Pumps
            {
                async Task BinaryAsync(ClientWebSocket socket, Action<byte[]> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var message = new MemoryStream();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (message.Length + result.Count > 64 * 1024)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        await message.WriteAsync(buffer.AsMemory(0, result.Count), ct);
                        if (result.EndOfMessage)
                        {
                            onMessage(message.ToArray());
                            message.SetLength(0);
                        }
                    }
                }

                async Task TextAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var text = new StringBuilder();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (text.Length + result.Count > 64 * 1024)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                        if (result.EndOfMessage)
                        {
                            onMessage(text.ToString());
                            text.Clear();
                        }
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithLocation(2).WithArguments("message"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(1).WithLocation(3).WithArguments("text"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Length_check_before_appending_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                private const int MaxMessageBytes = 64 * 1024;

                async Task ReadAsync(WebSocket socket, Action<byte[]> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var message = new MemoryStream();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (message.Length + result.Count > MaxMessageBytes)
                        {
                            throw new InvalidDataException("Message too big");
                        }

                        message.Write(buffer, 0, result.Count);
                        if (result.EndOfMessage)
                        {
                            onMessage(message.ToArray());
                            message.SetLength(0);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Running_total_with_relational_pattern_is_silent()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ReadAsync(WebSocket socket, Action<List<byte>> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var received = new List<byte>();
                    var total = 0;
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        total += result.Count;
                        if (total is > 1_000_000)
                        {
                            return;
                        }

                        received.AddRange(new ArraySegment<byte>(buffer, 0, result.Count));
                        if (result.EndOfMessage)
                        {
                            onMessage(received);
                            received = new List<byte>();
                            total = 0;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Message_too_big_close_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Server
            {
                async Task ReadAsync(WebSocket socket, Func<MemoryStream, bool> tooBig, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var message = new MemoryStream();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        message.Write(buffer, 0, result.Count);
                        if (tooBig(message))
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "too big", ct);
                            return;
                        }

                        if (result.EndOfMessage)
                        {
                            message.SetLength(0);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Frames_relayed_without_accumulation_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Proxy
            {
                async Task PumpAsync(WebSocket source, WebSocket destination, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await source.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await destination.CloseOutputAsync(source.CloseStatus ?? WebSocketCloseStatus.NormalClosure, source.CloseStatusDescription, ct);
                            return;
                        }

                        await destination.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Byte_stream_without_message_boundaries_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class StreamAdapter
            {
                async Task CopyToAsync(WebSocket socket, Stream destination, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var backlog = new MemoryStream();
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        backlog.Write(buffer, 0, result.Count);
                        backlog.Position = 0;
                        await backlog.CopyToAsync(destination, ct);
                        backlog.SetLength(0);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fixed_buffer_filled_by_offset_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Reader
            {
                async Task<string> ReadAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[16 * 1024];
                    var offset = 0;
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, offset, buffer.Length - offset), ct);
                        offset += result.Count;
                    }
                    while (!result.EndOfMessage && offset < buffer.Length);

                    return Encoding.UTF8.GetString(buffer, 0, offset);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Memory_stream_over_a_fixed_array_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ReadAsync(WebSocket socket, Action<ReadOnlyMemory<byte>> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    using var message = new MemoryStream(new byte[64 * 1024]);
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        message.Write(buffer, 0, result.Count);
                        if (result.EndOfMessage)
                        {
                            onMessage(message.GetBuffer().AsMemory(0, (int)message.Position));
                            message.Position = 0;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
