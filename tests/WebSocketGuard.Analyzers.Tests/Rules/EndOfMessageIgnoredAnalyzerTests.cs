using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.EndOfMessageIgnoredAnalyzer,
    WebSocketGuard.CodeFixes.EndOfMessageIgnoredCodeFix>;

using Fix = WebSocketGuard.CodeFixes.EndOfMessageIgnoredCodeFix;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class EndOfMessageIgnoredAnalyzerTests
{
    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Each_receive_decoded_as_text_is_reported(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[256];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        onMessage({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, framework, ProjectReferences.None,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Fix_receives_into_the_rest_of_the_buffer_until_end_of_message(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        onMessage({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
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

            class ChatClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        var messageLength = result.Count;
                        while (!result.EndOfMessage)
                        {
                            if (messageLength == buffer.Length)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                                return;
                            }

                            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, messageLength, buffer.Length - messageLength), ct);
                            messageLength += result.Count;
                        }

                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        onMessage(Encoding.UTF8.GetString(buffer, 0, messageLength));
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.None,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
    }

    [Fact]
    public async Task Fix_in_a_method_returning_the_message_throws_when_full()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            record Reply(int Id, string Status);

            class Rpc
            {
                private readonly byte[] _buffer = new byte[16 * 1024];

                async Task<Reply?> ReadReplyAsync(WebSocket socket, CancellationToken ct)
                {
                    var reply = await {|#0:socket.ReceiveAsync(_buffer.AsMemory(), ct)|};
                    return {|#1:JsonSerializer.Deserialize<Reply>(_buffer.AsSpan(0, reply.Count))|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            record Reply(int Id, string Status);

            class Rpc
            {
                private readonly byte[] _buffer = new byte[16 * 1024];

                async Task<Reply?> ReadReplyAsync(WebSocket socket, CancellationToken ct)
                {
                    var reply = await socket.ReceiveAsync(_buffer.AsMemory(), ct);
                    var messageLength = reply.Count;
                    while (!reply.EndOfMessage)
                    {
                        if (messageLength == _buffer.Length)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            throw new InvalidDataException("Message too big");
                        }

                        reply = await socket.ReceiveAsync(_buffer.AsMemory(messageLength), ct);
                        messageLength += reply.Count;
                    }

                    return JsonSerializer.Deserialize<Reply>(_buffer.AsSpan(0, messageLength));
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("Deserialize"));
    }

    [Fact]
    public async Task Fix_all_applies_to_every_receive()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Clients
            {
                async Task FirstAsync(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                    onText({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
                }

                async Task SecondAsync(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[2048];
                    var result = await {|#2:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                    onText({|#3:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Clients
            {
                async Task FirstAsync(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    var messageLength = result.Count;
                    while (!result.EndOfMessage)
                    {
                        if (messageLength == buffer.Length)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, messageLength, buffer.Length - messageLength), ct);
                        messageLength += result.Count;
                    }

                    onText(Encoding.UTF8.GetString(buffer, 0, messageLength));
                }

                async Task SecondAsync(WebSocket socket, Action<string> onText, CancellationToken ct)
                {
                    var buffer = new byte[2048];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    var messageLength = result.Count;
                    while (!result.EndOfMessage)
                    {
                        if (messageLength == buffer.Length)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                            return;
                        }

                        result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, messageLength, buffer.Length - messageLength), ct);
                        messageLength += result.Count;
                    }

                    onText(Encoding.UTF8.GetString(buffer, 0, messageLength));
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(2).WithLocation(3).WithArguments("GetString"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Json_deserialized_from_one_memory_receive_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            record Quote(string Symbol, decimal Price);

            class QuoteFeed
            {
                private readonly byte[] _buffer = new byte[8192];

                async Task RunAsync(WebSocket socket, Action<Quote?> onQuote, CancellationToken ct)
                {
                    while (true)
                    {
                        ValueWebSocketReceiveResult result = await {|#0:socket.ReceiveAsync(_buffer.AsMemory(), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        onQuote({|#1:JsonSerializer.Deserialize<Quote>(_buffer.AsSpan(0, result.Count))|});
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("Deserialize"));
    }

    [Fact]
    public async Task Server_handler_passing_buffer_to_the_message_callback_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            class WebSocketController
            {
                public async Task GetAsync(HttpContext context, Func<byte[], int, Task> handleMessageText)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[10 * 1024];
                    while (true)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), context.RequestAborted)|};
                        if (result.CloseStatus.HasValue)
                        {
                            await socket.CloseAsync(result.CloseStatus.Value, result.CloseStatusDescription, context.RequestAborted);
                            return;
                        }

                        await {|#1:handleMessageText(buffer, result.Count)|};
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("handleMessageText"));
    }

    [Fact]
    public async Task Top_level_console_client_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;

            using var ws = new ClientWebSocket();
            await ws.ConnectAsync(new Uri("wss://echo.example.com"), CancellationToken.None);
            var buffer = new byte[256];
            while (ws.State == WebSocketState.Open)
            {
                var result = await {|#0:ws.ReceiveAsync(buffer, CancellationToken.None)|};
                if (result.MessageType == WebSocketMessageType.Close)
                    await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                else
                    Console.WriteLine({|#1:Encoding.ASCII.GetString(buffer, 0, result.Count)|});
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Chunks_given_to_a_method_of_the_project_are_not_judged()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class EchoClient
            {
                async Task ReceiveAsync(ClientWebSocket webSocket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (webSocket.State == WebSocketState.Open)
                    {
                        var result = await webSocket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await webSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ct);
                        }
                        else
                        {
                            LogStatus(true, buffer, result.Count);
                        }
                    }
                }

                private static void LogStatus(bool receiving, byte[] buffer, int length)
                    => Console.WriteLine("{0} {1} bytes: {2}", receiving ? "Received" : "Sent", length, BitConverter.ToString(buffer, 0, length));
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Single_receive_decoded_as_a_reply_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Rpc
            {
                async Task<string> CallAsync(ClientWebSocket socket, string request, CancellationToken ct)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(request), WebSocketMessageType.Text, true, ct);
                    var buffer = new byte[1024];
                    var reply = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                    return {|#1:Encoding.UTF8.GetString(buffer, 0, reply.Count)|};
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
    }

    [Fact]
    public async Task Delegate_given_the_buffer_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Transport
            {
                public event Action<byte[], int>? MessageReceived;

                async Task PumpAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                        MessageReceived?{|#1:.Invoke(buffer, result.Count)|};
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("MessageReceived"));
    }

    [Fact]
    public async Task Fragments_reassembled_until_end_of_message_are_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task ListenAsync(WebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var message = new MemoryStream();
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        if (message.Length + result.Count > 65536)
                        {
                            return;
                        }

                        message.Write(buffer, 0, result.Count);
                        if (result.EndOfMessage)
                        {
                            onMessage(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                            message.SetLength(0);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Echo_forwarding_end_of_message_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Echo
            {
                async Task RunAsync(WebSocket socket, Action<string> log, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    while (!result.CloseStatus.HasValue)
                    {
                        await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                        result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Result_handed_to_the_handler_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Middleware
            {
                async Task ReceiveAsync(WebSocket socket, Func<WebSocketReceiveResult, byte[], Task> handle, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        await handle(result, buffer);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Byte_stream_copied_to_a_stream_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class WebSocketStream
            {
                async Task<int> ReadAsync(WebSocket socket, byte[] buffer, int offset, int count, CancellationToken ct)
                {
                    var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, offset, count), ct);
                    return result.Count;
                }

                async Task CopyAsync(WebSocket socket, Stream destination, Action<int> log, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        log(result.Count);
                        await destination.WriteAsync(buffer.AsMemory(0, result.Count), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Count_asserted_against_the_expected_length_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            static class Assert
            {
                public static void Equal<T>(T expected, T actual)
                {
                    if (!Equals(expected, actual)) throw new Exception($"{expected} != {actual}");
                }
            }

            static class ShouldExtensions
            {
                public static void ShouldBe(this int actual, int expected)
                {
                    if (actual != expected) throw new Exception($"{actual} != {expected}");
                }
            }

            class EchoSteps
            {
                async Task<string> ThenIReceiveAsync(WebSocket socket, string expected, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    result.Count.ShouldBe(expected.Length);
                    return Encoding.UTF8.GetString(buffer, 0, result.Count);
                }

                async Task<string> ThenTheServerEchoesAsync(WebSocket socket, byte[] sent, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    Assert.Equal(sent.Length, result.Count);
                    return Encoding.UTF8.GetString(buffer, 0, result.Count);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Explicit_full_buffer_check_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task<string> ReadSmallMessageAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[512];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    if (result.Count == buffer.Length)
                    {
                        throw new InvalidDataException("message does not fit");
                    }

                    return Encoding.UTF8.GetString(buffer, 0, result.Count);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Decoded_pieces_collected_in_a_builder_are_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class LineReader
            {
                async Task ReadLinesAsync(WebSocket socket, Action<string> onLine, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var pending = new StringBuilder();
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                        var text = pending.ToString();
                        var newline = text.IndexOf('\n');
                        if (newline >= 0)
                        {
                            onLine(text.Substring(0, newline));
                            pending.Remove(0, newline + 1);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Only_the_count_reported_to_a_callback_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Meter
            {
                async Task MeasureAsync(WebSocket socket, Action<int> onBytes, CancellationToken ct)
                {
                    var buffer = new byte[8192];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                        onBytes(result.Count);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Decoding_another_array_than_the_receive_buffer_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Greeter
            {
                private static readonly byte[] Banner = Encoding.UTF8.GetBytes("hello");

                async Task<string> GreetAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[64];
                    var result = await socket.ReceiveAsync(buffer, ct);
                    return result.MessageType + ": " + Encoding.UTF8.GetString(Banner);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Bytes_copied_into_a_pipe_are_silent()
    {
        const string source = """
            using System;
            using System.IO.Pipelines;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class PipeFeeder
            {
                async Task FeedAsync(WebSocket socket, PipeWriter writer, CancellationToken ct)
                {
                    while (socket.State == WebSocketState.Open)
                    {
                        var memory = writer.GetMemory(4096);
                        var result = await socket.ReceiveAsync(memory, ct);
                        writer.Advance(result.Count);
                        await writer.FlushAsync(ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Runtime_fix_reads_whole_messages_with_a_message_reader()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class ChatClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        Console.WriteLine($"{result.MessageType}: {result.Count} bytes");
                        onMessage({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
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
            using WebSocketGuard;

            class ChatClient
            {
                async Task ListenAsync(ClientWebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    using var reader = new WebSocketMessageReader(socket);
                    while (socket.State == WebSocketState.Open)
                    {
                        var message = await reader.ReadAsync(ct);
                        if (message.IsClose)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            break;
                        }

                        Console.WriteLine($"{message.MessageType}: {message.Payload.Length} bytes");
                        onMessage(message.GetText());
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.ReaderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_passes_the_read_only_slice_as_the_payload()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading.Tasks;

            record Quote(string Symbol, decimal Price);

            class QuoteFeed
            {
                async Task RunAsync(WebSocket socket, Action<Quote?> onQuote)
                {
                    var buffer = new byte[8192];
                    while (true)
                    {
                        var result = await {|#0:socket.ReceiveAsync(buffer.AsMemory(), default)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        onQuote({|#1:JsonSerializer.Deserialize<Quote>(buffer.AsSpan(0, result.Count))|});
                    }
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading.Tasks;
            using WebSocketGuard;

            record Quote(string Symbol, decimal Price);

            class QuoteFeed
            {
                async Task RunAsync(WebSocket socket, Action<Quote?> onQuote)
                {
                    using var reader = new WebSocketMessageReader(socket);
                    while (true)
                    {
                        var message = await reader.ReadAsync(default);
                        if (message.IsClose)
                        {
                            return;
                        }

                        onQuote(JsonSerializer.Deserialize<Quote>(message.Payload.Span));
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.ReaderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("Deserialize"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_when_the_buffer_is_used_in_a_way_the_message_cannot_replace()
    {
        // The handler takes a writable ArraySegment over the buffer: no exact equivalent on the message.
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Relay
            {
                async Task PumpAsync(WebSocket socket, Action<string> onText, Action<ArraySegment<byte>> onBinary, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        if (result.MessageType == WebSocketMessageType.Text)
                        {
                            onText({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
                        }
                        else
                        {
                            onBinary(new ArraySegment<byte>(buffer, 0, result.Count));
                        }
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.ReaderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        test.FixedState.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_when_the_buffer_is_read_after_the_loop()
    {
        // After the loop the code still reads what the last receive left in the buffer; the reader would not fill it.
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class LastWords
            {
                async Task<string> ListenAsync(WebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                        onMessage({|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|});
                    }

                    return Convert.ToBase64String(buffer);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.ReaderEquivalenceKey;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        test.FixedState.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Chunk_deserialized_by_a_handler_in_another_file_is_reported_without_a_fix()
    {
        const string receiver = """
            using System;
            using System.Buffers;
            using System.Net.WebSockets;
            using System.Runtime.InteropServices;
            using System.Threading;
            using System.Threading.Tasks;

            sealed partial class StudioClient
            {
                private readonly ClientWebSocket _socket = new();

                public async Task RunAsync(CancellationToken ct)
                {
                    using var owner = MemoryPool<byte>.Shared.Rent(16 * 1024);
                    while (_socket.State == WebSocketState.Open)
                    {
                        var memory = owner.Memory;
                        MemoryMarshal.TryGetArray<byte>(memory, out var segment);
                        var result = await {|#0:_socket.ReceiveAsync(segment, ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        {|#1:HandleJson(memory, result)|};
                    }
                }
            }
            """;
        const string handler = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;

            record StudioMessage(int Op, JsonElement Data);

            sealed partial class StudioClient
            {
                public event Action<StudioMessage>? MessageReceived;

                private void HandleJson(in ReadOnlyMemory<byte> buffer, in WebSocketReceiveResult result)
                {
                    var message = {|#2:JsonSerializer.Deserialize<StudioMessage>(buffer.Span[..result.Count])|};
                    if (message is not null)
                    {
                        MessageReceived?.Invoke(message);
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestState.Sources.Add(receiver);
        test.TestState.Sources.Add(handler);
        test.FixedState.Sources.Add(receiver);
        test.FixedState.Sources.Add(handler);
        var expected = Verify.Diagnostic().WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("HandleJson");
        test.ExpectedDiagnostics.Add(expected);
        test.FixedState.ExpectedDiagnostics.Add(expected);
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Result_and_buffer_given_to_a_decoding_helper_are_reported(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            record ChatMessage(Guid FeedId, string Content);

            class ChatEndpoint
            {
                public async Task PumpAsync(WebSocket socket, Func<ChatMessage, Task> publish, CancellationToken ct)
                {
                    var buffer = new byte[10 * 1024];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(buffer, ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        var message = JsonSerializer.Deserialize<ChatMessage>({|#1:ReceiveString(result, buffer)|});
                        if (message is not null)
                        {
                            await publish(message);
                        }
                    }
                }

                private static string ReceiveString(WebSocketReceiveResult result, byte[] buffer)
                    => {|#2:Encoding.UTF8.GetString(buffer, 0, result.Count)|};
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, framework, ProjectReferences.None,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("ReceiveString"));
    }

    [Fact]
    public async Task Slice_given_to_a_local_function_that_parses_it_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            class PriceFeed
            {
                public async Task<decimal> NextPriceAsync(ClientWebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[512];
                    var result = await {|#0:socket.ReceiveAsync(buffer.AsMemory(), ct)|};
                    return {|#1:ReadPrice(buffer.AsMemory(0, result.Count))|};

                    static decimal ReadPrice(ReadOnlyMemory<byte> json)
                    {
                        using var document = {|#2:JsonDocument.Parse(json)|};
                        return document.RootElement.GetProperty("price").GetDecimal();
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.None,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithLocation(2).WithArguments("ReadPrice"));
    }

    [Fact]
    public async Task Helper_that_checks_end_of_message_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                public async Task PumpAsync(WebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }

                        onMessage(Decode(result, buffer));
                    }
                }

                private static string Decode(WebSocketReceiveResult result, byte[] buffer)
                {
                    if (!result.EndOfMessage)
                    {
                        throw new InvalidDataException("Fragmented messages are not supported.");
                    }

                    return Encoding.UTF8.GetString(buffer, 0, result.Count);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Helper_that_rejects_a_full_buffer_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text.Json;
            using System.Threading;
            using System.Threading.Tasks;

            record Command(string Name);

            class Session
            {
                public async Task PumpAsync(WebSocket socket, Action<Command?> onCommand, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        onCommand(Parse(buffer, result.Count));
                    }
                }

                private static Command? Parse(byte[] buffer, int count)
                {
                    if (count == buffer.Length)
                    {
                        throw new InvalidDataException("Message too big.");
                    }

                    return JsonSerializer.Deserialize<Command>(buffer.AsSpan(0, count));
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Helper_that_only_copies_the_chunk_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Recorder
            {
                private readonly MemoryStream _capture = new();

                public async Task PumpAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        Append(buffer, result.Count);
                    }
                }

                private void Append(byte[] chunk, int count) => _capture.Write(chunk, 0, count);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Handler_called_through_an_interface_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            interface IMessageHandler
            {
                Task HandleAsync(WebSocketReceiveResult result, byte[] buffer);
            }

            class Session
            {
                private readonly IMessageHandler _handler;

                public Session(IMessageHandler handler) => _handler = handler;

                public async Task PumpAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        await _handler.HandleAsync(result, buffer);
                    }
                }
            }

            class TextHandler : IMessageHandler
            {
                public Task HandleAsync(WebSocketReceiveResult result, byte[] buffer)
                {
                    Console.WriteLine(Encoding.UTF8.GetString(buffer, 0, result.Count));
                    return Task.CompletedTask;
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Result_also_given_to_a_method_that_checks_end_of_message_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                public async Task PumpAsync(WebSocket socket, Action<string> onMessage, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (IsWholeTextMessage(result))
                        {
                            onMessage(Decode(buffer, result.Count));
                        }
                    }
                }

                private static bool IsWholeTextMessage(WebSocketReceiveResult result)
                    => result.EndOfMessage && result.MessageType == WebSocketMessageType.Text;

                private static string Decode(byte[] buffer, int count) => Encoding.UTF8.GetString(buffer, 0, count);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Helper_given_the_reassembled_message_is_silent()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class Session
            {
                public async Task<string> ReadAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    using var message = new MemoryStream();
                    WebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer, ct);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);

                    return Decode(message.ToArray());
                }

                private static string Decode(byte[] payload) => Encoding.UTF8.GetString(payload);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Text_echo_forwarding_only_end_of_message_is_reported_and_fixed()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class EchoServer
            {
                async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await {|#0:socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct)|};
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        var text = {|#1:Encoding.UTF8.GetString(buffer, 0, result.Count)|};
                        var reply = Encoding.UTF8.GetBytes("Echo: " + text);
                        await socket.SendAsync(new ArraySegment<byte>(reply), result.MessageType, result.EndOfMessage, ct);
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

            class EchoServer
            {
                async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        var messageLength = result.Count;
                        while (!result.EndOfMessage)
                        {
                            if (messageLength == buffer.Length)
                            {
                                await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "Message too big", ct);
                                return;
                            }

                            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, messageLength, buffer.Length - messageLength), ct);
                            messageLength += result.Count;
                        }

                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                            return;
                        }

                        var text = Encoding.UTF8.GetString(buffer, 0, messageLength);
                        var reply = Encoding.UTF8.GetBytes("Echo: " + text);
                        await socket.SendAsync(new ArraySegment<byte>(reply), result.MessageType, result.EndOfMessage, ct);
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.None,
            Verify.Diagnostic().WithLocation(0).WithLocation(1).WithArguments("GetString"));
    }

    [Fact]
    public async Task Echo_that_logs_the_text_and_forwards_the_received_bytes_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class LoggingRelay
            {
                async Task RelayAsync(WebSocket source, WebSocket target, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    var result = await source.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    while (!result.CloseStatus.HasValue)
                    {
                        Console.WriteLine("Relayed: " + Encoding.UTF8.GetString(buffer, 0, result.Count));
                        await target.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, ct);
                        result = await source.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Text_echo_that_also_tests_end_of_message_is_silent()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class EchoServer
            {
                async Task EchoAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (!result.EndOfMessage)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "One frame per message", ct);
                            return;
                        }

                        var reply = Encoding.UTF8.GetBytes("Echo: " + Encoding.UTF8.GetString(buffer, 0, result.Count));
                        await socket.SendAsync(new ArraySegment<byte>(reply), result.MessageType, result.EndOfMessage, ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
