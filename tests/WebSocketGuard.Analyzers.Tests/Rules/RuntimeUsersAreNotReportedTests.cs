using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace WebSocketGuard.Analyzers.Tests.Rules;

/// <summary>
/// Code that adopts our own runtime the recommended way is the "good code" every rule must stay silent on:
/// the runtime already validates origins, enforces authentication, configures keep-alive, bounds messages and sends.
/// </summary>
public class RuntimeUsersAreNotReportedTests
{
    private const string MinimalApiServer = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public static class ChatServer
        {
            public static void Run(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddAuthentication();
                builder.Services.AddWebSocketGuard(builder.Configuration, o => o.AllowedOrigins.Add("https://chat.example.com"));

                var app = builder.Build();
                app.UseAuthentication();
                app.UseWebSockets();

                app.MapWebSocket("/ws", async connection =>
                {
                    connection.JoinGroup("lobby");
                    while (true)
                    {
                        var message = await connection.Reader.ReadAsync(connection.Aborted);
                        if (message.IsClose)
                        {
                            break;
                        }

                        await connection.Sender.SendTextAsync("echo: " + message.GetText(), connection.Aborted);
                    }
                }, o =>
                {
                    o.AllowedOrigins.Add("https://chat.example.com");
                    o.KeepAliveInterval = TimeSpan.FromSeconds(15);
                    o.KeepAliveTimeout = TimeSpan.FromSeconds(10);
                });

                app.Run();
            }
        }
        """;

    private const string MapWebSocketWithReceiveLoopAndBroadcast = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard;
        using WebSocketGuard.AspNetCore;

        public static class TickerServer
        {
            public static void Run(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddWebSocketGuard();
                var app = builder.Build();

                app.MapWebSocket("/ticker", async connection =>
                {
                    var registry = connection.HttpContext.RequestServices.GetRequiredService<WebSocketConnectionRegistry>();
                    var result = await ReceiveLoop.RunAsync(connection.Socket, async (message, ct) =>
                    {
                        if (message.MessageType == WebSocketMessageType.Text)
                        {
                            await registry.BroadcastTextAsync(message.GetText(), ct);
                        }
                    }, new ReceiveLoopOptions { MaxMessageSize = 16 * 1024 }, connection.Aborted);

                    if (result.Outcome == ReceiveLoopOutcome.ClosedByPeer)
                    {
                        await connection.CloseAsync();
                    }
                });

                app.Run();
            }
        }
        """;

    private const string MiddlewareWithWebSocketAccept = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using WebSocketGuard;
        using WebSocketGuard.AspNetCore;

        public static class NotificationServer
        {
            public static void Run(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddWebSocketGuard(builder.Configuration);
                var app = builder.Build();
                app.UseWebSockets(new WebSocketOptions().ConfigureKeepAlive(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10)));

                app.Use(async (context, next) =>
                {
                    if (context.Request.Path != "/notifications")
                    {
                        await next(context);
                        return;
                    }

                    var connection = await WebSocketAccept.AcceptAsync(context);
                    if (connection is null)
                    {
                        return;
                    }

                    await using (connection)
                    {
                        await connection.Sender.SendTextAsync("welcome", connection.Aborted);
                        using var reader = new WebSocketMessageReader(connection.Socket, maxMessageSize: 4096);
                        while (!connection.Aborted.IsCancellationRequested)
                        {
                            var message = await reader.ReadAsync(connection.Aborted);
                            if (message.IsClose)
                            {
                                break;
                            }
                        }

                        await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
                    }
                });

                app.Run();
            }
        }
        """;

    private const string AcceptWithExplicitOptionsInController = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;
        using WebSocketGuard.AspNetCore;

        public sealed class GameSocketHandler
        {
            private static readonly WebSocketEndpointOptions Options = new()
            {
                AllowedOrigins = { "https://game.example.com" },
                MaxMessageSize = 8 * 1024,
            };

            public async Task HandleAsync(HttpContext context)
            {
                var connection = await WebSocketAccept.AcceptAsync(context, Options);
                if (connection is null)
                {
                    return;
                }

                await using (connection)
                {
                    while (true)
                    {
                        var message = await connection.Reader.ReadAsync(connection.Aborted);
                        if (message.IsClose)
                        {
                            return;
                        }

                        await connection.Sender.SendAsync(message.Payload, message.MessageType, connection.Aborted);
                    }
                }
            }
        }
        """;

    private const string ReconnectingClient = """
        using System.Net.WebSockets;
        using WebSocketGuard;

        public sealed class PriceFeedClient : IAsyncDisposable
        {
            private readonly ReconnectingWebSocket _socket;

            public PriceFeedClient(Uri endpoint)
            {
                _socket = new ReconnectingWebSocket(endpoint, new ReconnectingWebSocketOptions
                {
                    Backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
                    KeepAliveInterval = TimeSpan.FromSeconds(15),
                    KeepAliveTimeout = TimeSpan.FromSeconds(10),
                    ConfigureSocket = options => options.SetRequestHeader("Authorization", "Bearer token"),
                });
                _socket.Reconnecting += (_, e) => Console.WriteLine($"retry {e.Attempt} in {e.Delay}");
            }

            public async Task RunAsync(CancellationToken cancellationToken)
            {
                await _socket.StartAsync(cancellationToken);
                await _socket.WaitForConnectionAsync(cancellationToken);
                await _socket.SendTextAsync("subscribe:prices", cancellationToken);

                await foreach (var message in _socket.Messages.ReadAllAsync(cancellationToken))
                {
                    if (message.MessageType == WebSocketMessageType.Text)
                    {
                        Console.WriteLine(message.GetText());
                    }
                }
            }

            public ValueTask DisposeAsync() => _socket.DisposeAsync();
        }
        """;

    private const string PlainClientWithRuntimeHelpers = """
        using System.Net.WebSockets;
        using WebSocketGuard;

        public static class OneShotClient
        {
            public static async Task RunAsync(Uri endpoint, CancellationToken cancellationToken)
            {
                using var socket = new ClientWebSocket();
                KeepAlive.Configure(socket.Options, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10));
                await socket.ConnectAsync(endpoint, cancellationToken);

                await using var sender = new WebSocketSender(socket);
                await sender.SendTextAsync("hello", cancellationToken);

                using var reader = new WebSocketMessageReader(socket, maxMessageSize: 32 * 1024);
                while (true)
                {
                    var message = await reader.ReadAsync(cancellationToken);
                    if (message.IsClose)
                    {
                        break;
                    }

                    Console.WriteLine(message.GetText());
                }

                await GracefulClose.CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "done", cancellationToken: cancellationToken);
            }
        }
        """;

    private const string ServerSocketFromStream = """
        using System.IO;
        using System.Net.WebSockets;
        using WebSocketGuard;

        public static class TunnelServer
        {
            public static async Task ServeAsync(Stream stream, CancellationToken cancellationToken)
            {
                var options = new WebSocketCreationOptions { IsServer = true };
                KeepAlive.Configure(options);
                using var socket = WebSocket.CreateFromStream(stream, options);

                var result = await ReceiveLoop.RunAsync(socket, (message, ct) =>
                {
                    Console.WriteLine(message.Payload.Length);
                    return ValueTask.CompletedTask;
                }, cancellationToken: cancellationToken);

                Console.WriteLine(result);
                await GracefulClose.CloseAsync(socket, cancellationToken: cancellationToken);
            }
        }
        """;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    // What an SDK-style web project's implicit usings give every file.
    private static readonly SyntaxTree ImplicitUsings = CSharpSyntaxTree.ParseText("""
        global using System;
        global using System.Collections.Generic;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """, ParseOptions, "GlobalUsings.cs");

    public static TheoryData<string> Shapes() => new()
    {
        nameof(MinimalApiServer),
        nameof(MapWebSocketWithReceiveLoopAndBroadcast),
        nameof(MiddlewareWithWebSocketAccept),
        nameof(AcceptWithExplicitOptionsInController),
        nameof(ReconnectingClient),
        nameof(PlainClientWithRuntimeHelpers),
        nameof(ServerSocketFromStream),
    };

    private static readonly Dictionary<string, string> Sources = new()
    {
        [nameof(MinimalApiServer)] = MinimalApiServer,
        [nameof(MapWebSocketWithReceiveLoopAndBroadcast)] = MapWebSocketWithReceiveLoopAndBroadcast,
        [nameof(MiddlewareWithWebSocketAccept)] = MiddlewareWithWebSocketAccept,
        [nameof(AcceptWithExplicitOptionsInController)] = AcceptWithExplicitOptionsInController,
        [nameof(ReconnectingClient)] = ReconnectingClient,
        [nameof(PlainClientWithRuntimeHelpers)] = PlainClientWithRuntimeHelpers,
        [nameof(ServerSocketFromStream)] = ServerSocketFromStream,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Code_using_the_runtime_the_recommended_way_gets_no_diagnostics(string shape)
    {
        foreach (var framework in new[] { TargetFramework.Net80, TargetFramework.Net100 })
        {
            var compilation = CSharpCompilation.Create(
                "RuntimeUser",
                new[] { CSharpSyntaxTree.ParseText(Sources[shape], ParseOptions, shape + ".cs"), ImplicitUsings },
                TestEnvironment.References(framework, ProjectReferences.AspNetCore | ProjectReferences.Runtime),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{shape} ({framework}) must compile:\n" + string.Join("\n", errors));

            var diagnostics = await compilation.WithAnalyzers(AllRules.Analyzers).GetAnalyzerDiagnosticsAsync();
            Assert.True(diagnostics.IsEmpty, $"{shape} ({framework}) must stay silent:\n" + string.Join("\n", diagnostics));
        }
    }

    [Fact]
    public async Task The_check_can_fail_when_a_runtime_user_still_connects_over_plaintext()
    {
        const string source = """
            using System.Net.WebSockets;
            using WebSocketGuard;

            public static class Client
            {
                public static async Task ConnectAsync(ClientWebSocket socket, CancellationToken ct)
                {
                    KeepAlive.Configure(socket.Options);
                    await socket.ConnectAsync(new Uri("ws://prices.example.com/feed"), ct);
                }
            }
            """;
        var compilation = CSharpCompilation.Create(
            "RuntimeUser",
            new[] { CSharpSyntaxTree.ParseText(source, ParseOptions), ImplicitUsings },
            TestEnvironment.References(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var diagnostics = await compilation.WithAnalyzers(AllRules.Analyzers).GetAnalyzerDiagnosticsAsync();
        Assert.Contains(diagnostics, d => d.Id == RuleIds.PlaintextRemoteWebSocketUri);
    }
}
