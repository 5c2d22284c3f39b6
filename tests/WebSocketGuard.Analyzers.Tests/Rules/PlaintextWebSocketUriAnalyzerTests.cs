using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.PlaintextWebSocketUriAnalyzer,
    WebSocketGuard.CodeFixes.PlaintextWebSocketUriCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class PlaintextWebSocketUriAnalyzerTests
{
    [Fact]
    public async Task Literal_passed_to_Uri_is_reported_and_fixed()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri({|#0:"ws://chat.example.com/feed"|}), ct);
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(new Uri("wss://chat.example.com/feed"), ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("chat.example.com"));
    }

    [Fact]
    public async Task Constant_field_that_becomes_a_Uri_is_reported_at_its_declaration()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                private const string Endpoint = {|#0:"ws://10.0.4.17:8080/telemetry"|};

                Task ConnectAsync(ClientWebSocket socket, CancellationToken ct) => socket.ConnectAsync(new Uri(Endpoint), ct);
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                private const string Endpoint = "wss://10.0.4.17:8080/telemetry";

                Task ConnectAsync(ClientWebSocket socket, CancellationToken ct) => socket.ConnectAsync(new Uri(Endpoint), ct);
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("10.0.4.17"));
    }

    [Fact]
    public async Task Interpolated_string_with_literal_host_is_reported_and_fixed()
    {
        const string source = """
            using System;

            class Rooms
            {
                Uri For(string room) => new Uri({|#0:$"ws://chat.example.com/rooms/{room}"|});
            }
            """;
        const string fixedSource = """
            using System;

            class Rooms
            {
                Uri For(string room) => new Uri($"wss://chat.example.com/rooms/{room}");
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("chat.example.com"));
    }

    [Fact]
    public async Task Concatenation_with_literal_host_and_port_is_reported_on_the_literal()
    {
        const string source = """
            using System;

            class Device
            {
                Uri For(int port) => new Uri({|#0:"ws://192.168.1.40:"|} + port + "/stream");
            }
            """;
        const string fixedSource = """
            using System;

            class Device
            {
                Uri For(int port) => new Uri("wss://192.168.1.40:" + port + "/stream");
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments("192.168.1.40"));
    }

    [Fact]
    public async Task Local_and_static_field_that_flow_into_Uri_are_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                private static readonly string BaseUrl = {|#0:"WS://feed.example.org"|};
                private static readonly string FeedUrl = BaseUrl + "/v2";

                async Task RunAsync(ClientWebSocket socket, CancellationToken ct)
                {
                    var url = {|#1:"ws://backup.example.org/v2"|};
                    await socket.ConnectAsync(new Uri(FeedUrl), ct);
                    await socket.ConnectAsync(new Uri(url), ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: new[]
        {
            Verify.Diagnostic().WithLocation(0).WithArguments("feed.example.org"),
            Verify.Diagnostic().WithLocation(1).WithArguments("backup.example.org"),
        });
    }

    [Fact]
    public async Task UriBuilder_and_TryCreate_are_uri_constructions()
    {
        const string source = """
            using System;

            class Client
            {
                void Build()
                {
                    var builder = new UriBuilder({|#0:"ws://stream.example.net/ticks"|});
                    Uri.TryCreate({|#1:"ws://stream.example.net/quotes"|}, UriKind.Absolute, out var uri);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: new[]
        {
            Verify.Diagnostic().WithLocation(0).WithArguments("stream.example.net"),
            Verify.Diagnostic().WithLocation(1).WithArguments("stream.example.net"),
        });
    }

    [Theory]
    [InlineData("ws://localhost:5000/ws")]
    [InlineData("ws://LOCALHOST/ws")]
    [InlineData("ws://127.0.0.1:8080")]
    [InlineData("ws://127.10.0.3/ws")]
    [InlineData("ws://[::1]:5000/ws")]
    [InlineData("ws://api.localhost/ws")]
    [InlineData("ws://0.0.0.0:9000")]
    [InlineData("wss://chat.example.com/feed")]
    [InlineData("https://example.com")]
    [InlineData("ws://{0}:{1}/ws")]
    [InlineData("ws://<host>/ws")]
    [InlineData("ws://")]
    public async Task Loopback_secure_and_placeholder_urls_are_not_reported(string url)
    {
        var source = $$"""
            using System;

            class Client
            {
                Uri Target() => new Uri("{{url}}");
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Text_that_never_becomes_a_uri_is_not_reported()
    {
        const string source = """
            using System;

            class Client
            {
                private const string Help = "ws://chat.example.com is the old endpoint";
                private static readonly string Unused = "ws://old.example.com/feed";

                void Log(Action<string> log)
                {
                    log("Connecting to ws://chat.example.com/feed");
                    var message = "ws://chat.example.com/feed";
                    Console.WriteLine(message);
                    throw new InvalidOperationException("Expected ws://chat.example.com");
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Host_that_is_not_literal_is_not_reported()
    {
        const string source = """
            using System;

            class Client
            {
                Uri A(string host) => new Uri("ws://" + host + "/feed");
                Uri B(string host) => new Uri($"ws://{host}/feed");
                Uri C(string host, int port) => new Uri($"ws://{host}:{port}");
                Uri D(string suffix) => new Uri("ws://example" + suffix);
                Uri E(string url) => new Uri(url);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_occurrence()
    {
        var test = Verify.Create();
        test.TestCode = """
            using System;

            class Client
            {
                private const string Primary = {|#0:"ws://a.example.com/feed"|};

                Uri First() => new Uri(Primary);
                Uri Second() => new Uri({|#1:"ws://b.example.com/feed"|});
                Uri Third(string room) => new Uri({|#2:$"ws://c.example.com/{room}"|});
            }
            """;
        test.FixedCode = """
            using System;

            class Client
            {
                private const string Primary = "wss://a.example.com/feed";

                Uri First() => new Uri(Primary);
                Uri Second() => new Uri("wss://b.example.com/feed");
                Uri Third(string room) => new Uri($"wss://c.example.com/{room}");
            }
            """;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments("a.example.com"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithArguments("b.example.com"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(2).WithArguments("c.example.com"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Works_on_net8_too()
    {
        const string source = """
            using System;

            class Client
            {
                Uri Target() => new Uri({|#0:"ws://chat.example.com"|});
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, expected: Verify.Diagnostic().WithLocation(0).WithArguments("chat.example.com"));
    }

    [Theory]
    [InlineData("ws://chat.example.com/feed", true, true, "chat.example.com")]
    [InlineData("ws://user:pw@chat.example.com:81/x", true, true, "chat.example.com")]
    [InlineData("ws://[2001:db8::1]:81/x", true, true, "[2001:db8::1]")]
    [InlineData("ws://chat.example.com:", false, true, "chat.example.com")]
    [InlineData("ws://chat.example", false, false, "")]
    [InlineData("ws://127.0.0.1/", true, false, "")]
    [InlineData("ws://127.0.0.1.evil.com/", true, true, "127.0.0.1.evil.com")]
    [InlineData("ws://localhost.evil.com/", true, true, "localhost.evil.com")]
    public void Host_parsing(string text, bool complete, bool expected, string expectedHost)
    {
        Assert.Equal(expected, WebSocketUriText.IsPlaintextRemote(text, complete, out var host));
        Assert.Equal(expectedHost, host);
    }
}
