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

    private const string StartupClassWithOptionsLocal = """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Hosting;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public sealed class Startup(IConfiguration configuration)
        {
            public void ConfigureServices(IServiceCollection services)
            {
                services.AddRouting();
                services.AddWebSocketGuard(configuration.GetSection("WebSockets"));
            }

            public void Configure(IApplicationBuilder app)
            {
                var webSocketOptions = new WebSocketOptions();
                webSocketOptions.ConfigureKeepAlive();
                app.UseWebSockets(webSocketOptions);
                app.UseRouting();
                app.UseEndpoints(endpoints =>
                {
                    endpoints.MapWebSocket("/events", async connection =>
                    {
                        await connection.Sender.SendTextAsync("hello");
                        var message = await connection.Reader.ReadAsync(connection.Aborted);
                        if (!message.IsClose)
                        {
                            await connection.Sender.SendAsync(message.Payload, message.MessageType);
                        }
                    });
                });
            }
        }
        """;

    private const string BroadcastThroughSenders = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public static class RoomServer
        {
            public static void Run(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddWebSocketGuard(configure: o => o.AllowedOrigins.Add("https://rooms.example.com"));
                var app = builder.Build();

                app.MapWebSocket("/rooms/{room}", async connection =>
                {
                    var room = (string)connection.HttpContext.Request.RouteValues["room"]!;
                    var registry = connection.HttpContext.RequestServices.GetRequiredService<WebSocketConnectionRegistry>();
                    connection.JoinGroup(room);
                    try
                    {
                        while (true)
                        {
                            var message = await connection.Reader.ReadAsync(connection.Aborted);
                            if (message.IsClose)
                            {
                                break;
                            }

                            // Each sender queues and drains on its own, so these neither block nor overlap on a socket.
                            foreach (var member in registry.GetGroup(room))
                            {
                                await member.Sender.SendTextAsync(message.GetText());
                            }

                            _ = connection.Sender.SendTextAsync("ack");
                            await Task.WhenAll(registry.GetConnections().Select(c => c.Sender.SendTextAsync("tick").AsTask()));
                        }
                    }
                    finally
                    {
                        connection.LeaveGroup(room);
                    }
                }, o => o.AllowAnonymous = true);

                app.Run();
            }
        }
        """;

    private const string ClientWithSocketFactoryAndLocalhost = """
        using System.Net.WebSockets;
        using WebSocketGuard;

        public static class DevClient
        {
            public static async Task RunAsync()
            {
                var options = new ReconnectingWebSocketOptions
                {
                    SocketFactory = () =>
                    {
                        var socket = new ClientWebSocket();
                        socket.Options.SetRequestHeader("X-Client", "dev");
                        return socket;
                    },
                    OnMessage = (message, ct) =>
                    {
                        Console.WriteLine(message.GetText());
                        return ValueTask.CompletedTask;
                    },
                };

                await using var socket = new ReconnectingWebSocket(new Uri("ws://localhost:5000/ws"), options);
                await socket.StartAsync();
                await socket.SendTextAsync("hello");
                _ = socket.SendTextAsync("fire and forget");
                await Task.Delay(TimeSpan.FromSeconds(5));
                await socket.StopAsync();
            }
        }
        """;

    private const string IdleTimeoutAndSenderOnAcceptedSocket = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;
        using WebSocketGuard;
        using WebSocketGuard.AspNetCore;

        public sealed class FeedEndpoint
        {
            public async Task InvokeAsync(HttpContext context)
            {
                var connection = await WebSocketAccept.AcceptAsync(context);
                if (connection is null)
                {
                    return;
                }

                await using (connection)
                {
                    var watched = KeepAlive.WithIdleTimeout(connection.Socket, TimeSpan.FromMinutes(2));
                    await using var sender = new WebSocketSender(watched, new WebSocketSenderOptions { MaxQueuedMessages = 100 });
                    var result = await ReceiveLoop.RunAsync(watched, async (message, ct) => await sender.SendAsync(message.Payload, message.MessageType, ct), cancellationToken: connection.Aborted);
                    await GracefulClose.CloseAsync(watched, WebSocketCloseStatus.NormalClosure, result.Outcome.ToString());
                }
            }
        }
        """;

    private const string RawReceiveLoopInsideMapWebSocket = """
        using System.Buffers;
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public static class RawLoopServer
        {
            public static void Run(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddWebSocketGuard(builder.Configuration);
                var app = builder.Build();

                // The runtime catches a dropped connection around the handler and closes the socket itself.
                app.MapWebSocket("/raw", async connection =>
                {
                    var socket = connection.Socket;
                    var buffer = ArrayPool<byte>.Shared.Rent(4096);
                    try
                    {
                        while (socket.State == WebSocketState.Open)
                        {
                            var result = await socket.ReceiveAsync(buffer.AsMemory(), connection.Aborted);
                            if (result.MessageType == WebSocketMessageType.Close)
                            {
                                return;
                            }

                            if (result.EndOfMessage)
                            {
                                await connection.Sender.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, connection.Aborted);
                            }
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                });

                app.Run();
            }
        }
        """;

    private const string ManualReconnectWithRuntimeBackoff = """
        using System.Net.WebSockets;
        using WebSocketGuard;

        public sealed class TelemetryUploader
        {
            private readonly Backoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

            public async Task RunAsync(Uri endpoint, CancellationToken cancellationToken)
            {
                var attempt = 0;
                while (!cancellationToken.IsCancellationRequested)
                {
                    using var socket = new ClientWebSocket();
                    KeepAlive.Configure(socket.Options);
                    try
                    {
                        await socket.ConnectAsync(endpoint, cancellationToken);
                        attempt = 0;
                        var result = await ReceiveLoop.RunAsync(socket, (message, ct) => ValueTask.CompletedTask, cancellationToken: cancellationToken);
                        Console.WriteLine(result);
                    }
                    catch (WebSocketException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }

                    await _backoff.DelayAsync(attempt++, cancellationToken);
                }
            }
        }
        """;

    private const string HostedServiceWithReconnectingClient = """
        using System.Net.WebSockets;
        using Microsoft.Extensions.Hosting;
        using WebSocketGuard;

        public sealed class QuoteListener : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                await using var socket = new ReconnectingWebSocket(new Uri("wss://quotes.example.com/stream"));
                socket.Disconnected += (_, e) => Console.WriteLine($"disconnected: {e.Reason}");
                await socket.StartAsync(stoppingToken);
                await foreach (var message in socket.Messages.ReadAllAsync(stoppingToken))
                {
                    if (message.MessageType == WebSocketMessageType.Text)
                    {
                        await socket.SendTextAsync("ack:" + message.GetText(), stoppingToken);
                    }
                }
            }
        }
        """;

    private const string MiddlewareClassWithRawLoop = """
        using System.Net.WebSockets;
        using Microsoft.AspNetCore.Http;
        using WebSocketGuard;
        using WebSocketGuard.AspNetCore;

        public sealed class EchoMiddleware(RequestDelegate next)
        {
            public async Task InvokeAsync(HttpContext context)
            {
                if (context.Request.Path != "/echo")
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
                    try
                    {
                        while (true)
                        {
                            var message = await connection.Reader.ReadAsync(connection.Aborted);
                            if (message.IsClose)
                            {
                                break;
                            }

                            await connection.Sender.SendAsync(message.Payload, message.MessageType, connection.Aborted);
                        }
                    }
                    catch (WebSocketException)
                    {
                        connection.Socket.Abort();
                        return;
                    }

                    await GracefulClose.CloseAsync(connection.Socket, cancellationToken: connection.Aborted);
                }
            }
        }
        """;

    private const string ClientWithBackgroundReceiveAndGracefulStop = """
        using System.Net.WebSockets;
        using WebSocketGuard;

        public sealed class GatewayClient : IAsyncDisposable
        {
            private readonly ClientWebSocket _socket = new();
            private readonly CancellationTokenSource _stop = new();
            private WebSocketSender? _sender;
            private Task<ReceiveLoopResult>? _receiving;

            public async Task ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
            {
                KeepAlive.Configure(_socket.Options);
                await _socket.ConnectAsync(endpoint, cancellationToken);
                _sender = new WebSocketSender(_socket, new WebSocketSenderOptions { MaxQueuedMessages = 256 });
                _receiving = ReceiveLoop.RunAsync(_socket, OnMessageAsync, new ReceiveLoopOptions { MaxMessageSize = 64 * 1024 }, _stop.Token);
            }

            public ValueTask<bool> PublishAsync(string text, CancellationToken cancellationToken) =>
                _sender?.SendTextAsync(text, cancellationToken) ?? ValueTask.FromResult(false);

            private ValueTask OnMessageAsync(WebSocketMessage message, CancellationToken cancellationToken)
            {
                Console.WriteLine(message.GetText());
                return ValueTask.CompletedTask;
            }

            public async ValueTask DisposeAsync()
            {
                if (_sender is not null)
                {
                    await _sender.DisposeAsync();
                }

                await GracefulClose.CloseAsync(_socket, WebSocketCloseStatus.NormalClosure, "client stopping");
                _stop.Cancel();
                if (_receiving is not null)
                {
                    await _receiving;
                }

                _socket.Dispose();
                _stop.Dispose();
            }
        }
        """;

    private const string ConnectionsTrackedByTheApplication = """
        using System.Collections.Concurrent;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public sealed class PresenceTracker
        {
            private readonly ConcurrentDictionary<string, WebSocketConnection> _online = new();

            public void Map(WebApplication app)
            {
                app.MapWebSocket("/presence", async connection =>
                {
                    _online[connection.Id] = connection;
                    try
                    {
                        while (!(await connection.Reader.ReadAsync(connection.Aborted)).IsClose)
                        {
                        }
                    }
                    finally
                    {
                        _online.TryRemove(connection.Id, out _);
                    }
                }, o => o.AllowedOrigins.Add("https://app.example.com"));
            }

            public async Task NotifyAllAsync(string text, CancellationToken cancellationToken)
            {
                foreach (var connection in _online.Values)
                {
                    await connection.Sender.SendTextAsync(text, cancellationToken);
                }
            }

            public Task DisconnectAsync(string id) =>
                _online.TryGetValue(id, out var connection) ? connection.CloseAsync() : Task.CompletedTask;
        }
        """;

    private const string EndpointsInTheirOwnExtensionClass = """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Routing;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;

        public static class Program
        {
            public static void Main(string[] args)
            {
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddChat();
                var app = builder.Build();
                app.UseWebSockets();
                app.MapChat();
                app.Run();
            }
        }

        public static class ChatServiceCollectionExtensions
        {
            public static IServiceCollection AddChat(this IServiceCollection services) =>
                services.AddWebSocketGuard(configure: o => o.AllowedOrigins.Add("https://chat.example.com"));
        }

        public static class ChatEndpoints
        {
            public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder endpoints)
            {
                endpoints.MapWebSocket("/chat", async connection =>
                {
                    while (!(await connection.Reader.ReadAsync(connection.Aborted)).IsClose)
                    {
                    }
                });
                return endpoints;
            }
        }
        """;

    private const string BroadcasterBackgroundService = """
        using System.Net.WebSockets;
        using Microsoft.Extensions.Hosting;
        using WebSocketGuard.AspNetCore;

        public sealed class ClockBroadcaster(WebSocketConnectionRegistry registry) : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    var result = await registry.BroadcastTextToGroupAsync("clock", DateTimeOffset.UtcNow.ToString("O"), stoppingToken);
                    if (result.Dropped > 0)
                    {
                        Console.WriteLine($"{result.Dropped} slow clients dropped");
                    }

                    foreach (var connection in registry.GetConnections())
                    {
                        if (connection.Sender.QueuedCount > 100)
                        {
                            await connection.CloseAsync(WebSocketCloseStatus.PolicyViolation, "too slow");
                        }
                    }
                }
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
        nameof(StartupClassWithOptionsLocal),
        nameof(BroadcastThroughSenders),
        nameof(ClientWithSocketFactoryAndLocalhost),
        nameof(IdleTimeoutAndSenderOnAcceptedSocket),
        nameof(RawReceiveLoopInsideMapWebSocket),
        nameof(ManualReconnectWithRuntimeBackoff),
        nameof(HostedServiceWithReconnectingClient),
        nameof(MiddlewareClassWithRawLoop),
        nameof(ClientWithBackgroundReceiveAndGracefulStop),
        nameof(ConnectionsTrackedByTheApplication),
        nameof(EndpointsInTheirOwnExtensionClass),
        nameof(BroadcasterBackgroundService),
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
        [nameof(StartupClassWithOptionsLocal)] = StartupClassWithOptionsLocal,
        [nameof(BroadcastThroughSenders)] = BroadcastThroughSenders,
        [nameof(ClientWithSocketFactoryAndLocalhost)] = ClientWithSocketFactoryAndLocalhost,
        [nameof(IdleTimeoutAndSenderOnAcceptedSocket)] = IdleTimeoutAndSenderOnAcceptedSocket,
        [nameof(RawReceiveLoopInsideMapWebSocket)] = RawReceiveLoopInsideMapWebSocket,
        [nameof(ManualReconnectWithRuntimeBackoff)] = ManualReconnectWithRuntimeBackoff,
        [nameof(HostedServiceWithReconnectingClient)] = HostedServiceWithReconnectingClient,
        [nameof(MiddlewareClassWithRawLoop)] = MiddlewareClassWithRawLoop,
        [nameof(ClientWithBackgroundReceiveAndGracefulStop)] = ClientWithBackgroundReceiveAndGracefulStop,
        [nameof(ConnectionsTrackedByTheApplication)] = ConnectionsTrackedByTheApplication,
        [nameof(EndpointsInTheirOwnExtensionClass)] = EndpointsInTheirOwnExtensionClass,
        [nameof(BroadcasterBackgroundService)] = BroadcasterBackgroundService,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Code_using_the_runtime_the_recommended_way_gets_no_diagnostics(string shape)
    {
        var problems = new List<string>();
        foreach (var framework in new[] { TargetFramework.Net80, TargetFramework.Net100 })
        {
            var compilation = CSharpCompilation.Create(
                "RuntimeUser",
                new[] { CSharpSyntaxTree.ParseText(Sources[shape], ParseOptions, shape + ".cs"), ImplicitUsings },
                TestEnvironment.References(framework, ProjectReferences.AspNetCore | ProjectReferences.Runtime),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

            problems.AddRange(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => $"{framework} does not compile: {d}"));
            var diagnostics = await compilation.WithAnalyzers(AllRules.Analyzers).GetAnalyzerDiagnosticsAsync();
            problems.AddRange(diagnostics.Select(d => $"{framework}: {d}"));
        }

        Assert.True(problems.Count == 0, $"{shape} must compile and stay silent:\n" + string.Join("\n", problems));
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
