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
}
