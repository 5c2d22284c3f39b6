using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.MissingDeadPeerDetectionAnalyzer,
    WebSocketGuard.CodeFixes.MissingDeadPeerDetectionCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class MissingDeadPeerDetectionAnalyzerTests
{
    private const string SwitchedOff = "Keep-alive is switched off: a peer that vanishes without a Close frame leaves this socket waiting forever";
    private const string NoTimeout = "'socket' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed";

    // ---- case 2 across members: a private field made in one member, connected in another ----

    private const string FieldUsings = """
        using System;
        using System.Net.Security;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    [Fact]
    public async Task Field_made_in_the_constructor_and_connected_elsewhere_is_reported_and_fixed()
    {
        const string source = FieldUsings + """
            sealed class HomeAssistantSocket
            {
                private readonly ClientWebSocket _ws;

                public HomeAssistantSocket(bool acceptAnyCertificate)
                {
                    _ws = {|#0:new ClientWebSocket()|};
                    if (acceptAnyCertificate)
                    {
                        _ws.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
                    }
                }

                public WebSocketState State => _ws.State;

                public Task ConnectAsync(Uri uri, CancellationToken ct) => _ws.ConnectAsync(uri, ct);

                public void Dispose() => _ws.Dispose();
            }
            """;
        const string fixedSource = FieldUsings + """
            sealed class HomeAssistantSocket
            {
                private readonly ClientWebSocket _ws;

                public HomeAssistantSocket(bool acceptAnyCertificate)
                {
                    _ws = new ClientWebSocket();
                    _ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    _ws.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    if (acceptAnyCertificate)
                    {
                        _ws.Options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
                    }
                }

                public WebSocketState State => _ws.State;

                public Task ConnectAsync(Uri uri, CancellationToken ct) => _ws.ConnectAsync(uri, ct);

                public void Dispose() => _ws.Dispose();
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("'_ws' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"));
    }

    [Fact]
    public async Task Field_initializer_connected_elsewhere_is_reported_and_fixed_in_the_initializer()
    {
        const string source = FieldUsings + """
            sealed class Feed
            {
                private readonly ClientWebSocket _socket = {|#0:new()|};

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
                    await _socket.ConnectAsync(uri, ct);
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0)
            .WithArguments("'_socket' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"));
        test.FixedCode = FieldUsings + """
            sealed class Feed
            {
                private readonly ClientWebSocket _socket = new() { Options = { KeepAliveTimeout = TimeSpan.FromSeconds(20) } };

                public async Task StartAsync(Uri uri, CancellationToken ct)
                {
                    _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
                    await _socket.ConnectAsync(uri, ct);
                }
            }
            """;
        await test.RunAsync();
    }

    [Fact]
    public async Task Field_connected_elsewhere_is_info_on_net8()
    {
        const string source = FieldUsings + """
            sealed class Feed
            {
                private ClientWebSocket Socket { get; } = {|#0:new ClientWebSocket()|};

                public Task StartAsync(Uri uri) => Socket.ConnectAsync(uri, CancellationToken.None);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, expected: Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0)
            .WithArguments("'Socket' connects with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat"));
    }

    [Fact]
    public async Task Fields_configured_exposed_or_made_elsewhere_are_silent()
    {
        const string source = FieldUsings + """
            sealed class ConfiguredInAnotherMember
            {
                private readonly ClientWebSocket _ws = new();

                public void Configure() => _ws.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);

                public Task ConnectAsync(Uri uri) => _ws.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class OptionsExposedToCallers
            {
                private readonly ClientWebSocket _ws = new();

                public ClientWebSocketOptions Options => _ws.Options;

                public Task ConnectAsync(Uri uri) => _ws.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class SocketHandedOn
            {
                private readonly ClientWebSocket _ws = new();

                public SocketHandedOn(Action<ClientWebSocket> configure) => configure(_ws);

                public Task ConnectAsync(Uri uri) => _ws.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class MadeByAFactory
            {
                private readonly ClientWebSocket _ws;

                public MadeByAFactory(Func<ClientWebSocket> factory) => _ws = factory();

                public Task ConnectAsync(Uri uri) => _ws.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class ConfiguredInTheInitializer
            {
                private readonly ClientWebSocket _ws = new() { Options = { KeepAliveInterval = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(20) } };

                public Task ConnectAsync(Uri uri) => _ws.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class RecreatedPerConnection
            {
                private ClientWebSocket _ws = new();

                public async Task ConnectAsync(Uri uri)
                {
                    _ws.Dispose();
                    _ws = new ClientWebSocket();
                    _ws.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await _ws.ConnectAsync(uri, CancellationToken.None);
                }
            }

            class NotPrivate
            {
                protected readonly ClientWebSocket Socket = new();

                public Task ConnectAsync(Uri uri) => Socket.ConnectAsync(uri, CancellationToken.None);
            }

            sealed class NeverConnected
            {
                private readonly ClientWebSocket _ws = new();

                public WebSocketState State => _ws.State;
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }


    // ---- case 1: keep-alive switched off ----

    [Theory]
    [InlineData("TimeSpan.Zero")]
    [InlineData("Timeout.InfiniteTimeSpan")]
    [InlineData("TimeSpan.FromSeconds(0)")]
    [InlineData("TimeSpan.FromMilliseconds(-1)")]
    [InlineData("default")]
    [InlineData("new TimeSpan(0, 0, 0)")]
    public async Task Disabled_interval_on_client_options_is_reported_and_fixed(string value)
    {
        var source = $$"""
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = {|#0:{{value}}|};
                    await socket.ConnectAsync(uri, ct);
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
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;

        // Turning keep-alive back on reveals the missing timeout, which the second pass adds next to the interval.
        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(SwitchedOff));
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 2;
        await test.RunAsync();
    }

    [Fact]
    public async Task Disabled_interval_is_a_warning_on_net8_too_and_in_initializers()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;

            class Factory
            {
                ClientWebSocket Create() => new ClientWebSocket { Options = { KeepAliveInterval = {|#0:Timeout.InfiniteTimeSpan|} } };

                WebSocket Wrap(Stream stream) => WebSocket.CreateFromStream(stream, isServer: true, subProtocol: null, keepAliveInterval: {|#1:TimeSpan.Zero|});

                WebSocket Wrap2(Stream stream) => WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { KeepAliveInterval = {|#2:TimeSpan.Zero|} });
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, expected: new[]
        {
            Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithArguments(SwitchedOff),
            Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(1).WithArguments(SwitchedOff),
            Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(2).WithArguments(SwitchedOff),
        });
    }

    [Fact]
    public async Task Disabled_interval_on_server_options_is_reported_and_fixed_with_the_runtime()
    {
        const string source = """
            using System;
            using Microsoft.AspNetCore.Builder;

            static class Server
            {
                public static void Configure(IApplicationBuilder app)
                {
                    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = {|#0:TimeSpan.Zero|} });
                }
            }
            """;
        const string fixedSource = """
            using System;
            using Microsoft.AspNetCore.Builder;
            using WebSocketGuard;

            static class Server
            {
                public static void Configure(IApplicationBuilder app)
                {
                    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = KeepAlive.DefaultInterval, KeepAliveTimeout = TimeSpan.FromSeconds(20) });
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(SwitchedOff));
        test.NumberOfIncrementalIterations = 2;
        test.NumberOfFixAllIterations = 2;
        await test.RunAsync();
    }

    // ---- case 2: .NET 9+ client socket without KeepAliveTimeout ----

    [Fact]
    public async Task Client_socket_without_timeout_gets_statements_inserted()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = {|#0:new ClientWebSocket()|};
                    await socket.ConnectAsync(uri, ct);
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
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
    }

    [Fact]
    public async Task Fix_adds_using_System_when_missing_and_keeps_an_existing_interval()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(System.Uri uri)
                {
                    var socket = {|#0:new ClientWebSocket()|};
                    socket.Options.KeepAliveInterval = System.TimeSpan.FromSeconds(15);
                    await socket.ConnectAsync(uri, default);
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(System.Uri uri)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = System.TimeSpan.FromSeconds(15);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, default);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
    }

    [Fact]
    public async Task Inserted_statements_keep_the_files_indentation()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;

            class Client
            {
              async Task RunAsync(Uri uri)
              {
                using var socket = {|#0:new ClientWebSocket()|};
                await socket.ConnectAsync(uri, default);
              }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading.Tasks;

            class Client
            {
              async Task RunAsync(Uri uri)
              {
                using var socket = new ClientWebSocket();
                socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                await socket.ConnectAsync(uri, default);
              }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
    }

    [Fact]
    public async Task Socket_with_initializer_gets_the_timeout_in_its_initializer()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var socket = {|#0:new ClientWebSocket { Options = { KeepAliveInterval = TimeSpan.FromSeconds(10) } }|};
                    await socket.ConnectAsync(uri, ct);
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
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket { Options = { KeepAliveInterval = TimeSpan.FromSeconds(10), KeepAliveTimeout = TimeSpan.FromSeconds(20) } };
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
    }

    [Fact]
    public async Task Field_socket_recreated_in_a_reconnect_method_is_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                private ClientWebSocket _socket = new();

                async Task ReconnectAsync(Uri uri, CancellationToken ct)
                {
                    _socket.Dispose();
                    _socket = {|#0:new ClientWebSocket()|};
                    await _socket.ConnectAsync(uri, ct);
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
                private ClientWebSocket _socket = new();

                async Task ReconnectAsync(Uri uri, CancellationToken ct)
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                    _socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    _socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await _socket.ConnectAsync(uri, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(
            "'_socket' connects without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"));
    }

    [Fact]
    public async Task Top_level_statements_are_fixed_in_place()
    {
        var test = Verify.Create();
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = """
            using System;
            using System.Net.WebSockets;

            using var socket = {|#0:new ClientWebSocket()|};
            await socket.ConnectAsync(new Uri("wss://example.com"), default);
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;

            using var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
            socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
            await socket.ConnectAsync(new Uri("wss://example.com"), default);
            """;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
        await test.RunAsync();
    }

    [Fact]
    public async Task Creation_options_without_timeout_are_reported_and_fixed()
    {
        const string source = """
            using System.IO;
            using System.Net.WebSockets;

            class Server
            {
                WebSocket Wrap(Stream stream) => WebSocket.CreateFromStream(stream, {|#0:new WebSocketCreationOptions { IsServer = true }|});
            }
            """;
        const string fixedSource = """
            using System;
            using System.IO;
            using System.Net.WebSockets;

            class Server
            {
                WebSocket Wrap(Stream stream) => WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(20) });
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0).WithArguments(
            "WebSocketCreationOptions without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"));
    }

    [Fact]
    public async Task UseWebSockets_without_timeout_gets_options()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;

            static class Server
            {
                public static void Configure(WebApplication app)
                {
                    {|#0:app.UseWebSockets()|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using Microsoft.AspNetCore.Builder;

            static class Server
            {
                public static void Configure(WebApplication app)
                {
                    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30), KeepAliveTimeout = TimeSpan.FromSeconds(20) });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore, Verify.Diagnostic().WithLocation(0).WithArguments(
            "UseWebSockets without a KeepAliveTimeout: server sockets whose client vanished without a Close frame are never cleaned up"));
    }

    [Fact]
    public async Task UseWebSockets_options_with_interval_only_get_the_timeout()
    {
        const string source = """
            using System;
            using Microsoft.AspNetCore.Builder;

            static class Server
            {
                public static void Configure(IApplicationBuilder app)
                {
                    {|#0:app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromMinutes(1) })|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using Microsoft.AspNetCore.Builder;

            static class Server
            {
                public static void Configure(IApplicationBuilder app)
                {
                    app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromMinutes(1), KeepAliveTimeout = TimeSpan.FromSeconds(20) });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.AspNetCore, Verify.Diagnostic().WithLocation(0).WithArguments(
            "UseWebSockets without a KeepAliveTimeout: server sockets whose client vanished without a Close frame are never cleaned up"));
    }

    // ---- case 3: .NET 8 ----

    [Fact]
    public async Task On_net8_a_missing_timeout_is_info_and_has_no_plain_fix()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = {|#0:new ClientWebSocket()|};
                    await socket.ConnectAsync(uri, ct);
                }

                static void Configure(IApplicationBuilder app) => {|#1:app.UseWebSockets()|};
            }
            """;

        var test = Verify.Create(TargetFramework.Net80, ProjectReferences.AspNetCore);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithArguments(
            "'socket' connects with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat"));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(1).WithArguments(
            "UseWebSockets with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task With_the_runtime_the_fix_calls_KeepAlive_Configure(TargetFramework framework)
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = {|#0:new ClientWebSocket()|};
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            class Client
            {
                async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    KeepAlive.Configure(socket.Options);
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;

        var expected = framework == TargetFramework.Net80
            ? Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithArguments("'socket' connects with no dead-peer detection: this framework has no KeepAliveTimeout, so add an idle watchdog or an application heartbeat")
            : Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout);
        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.Runtime, expected);
    }

    // ---- silence ----

    [Fact]
    public async Task Configured_sockets_are_not_reported()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task WithStatementsAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, ct);
                }

                async Task WithInitializerAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket { Options = { KeepAliveTimeout = TimeSpan.FromSeconds(20) } };
                    await socket.ConnectAsync(uri, ct);
                }

                async Task ConfiguredByHelperAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    Configure(socket.Options);
                    await socket.ConnectAsync(uri, ct);
                }

                async Task PassedToHelperAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    Prepare(socket);
                    await socket.ConnectAsync(uri, ct);
                }

                ClientWebSocket Create() => new ClientWebSocket();

                ClientWebSocket CreateLocal()
                {
                    var socket = new ClientWebSocket();
                    return socket;
                }

                async Task ConnectsElsewhereAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    await ConnectAsync(socket, uri, ct);
                }

                static Task ConnectAsync(ClientWebSocket socket, Uri uri, CancellationToken ct) => socket.ConnectAsync(uri, ct);
                static void Configure(ClientWebSocketOptions options) => options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                static void Prepare(ClientWebSocket socket) => socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
            }

            class FieldClient
            {
                private ClientWebSocket _socket = new();

                async Task ReconnectAsync(Uri uri, CancellationToken ct)
                {
                    _socket = new ClientWebSocket();
                    ApplyOptions();
                    await _socket.ConnectAsync(uri, ct);
                }

                void ApplyOptions() => _socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Configured_servers_are_not_reported()
    {
        const string source = """
            using System;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.WebSockets;
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;

            class Startup
            {
                private readonly IConfiguration _configuration;
                public Startup(IConfiguration configuration) => _configuration = configuration;

                public void ConfigureServices(IServiceCollection services)
                    => services.AddWebSockets(o => o.KeepAliveTimeout = TimeSpan.FromSeconds(20));

                public void Configure(IApplicationBuilder app) => app.UseWebSockets();
            }

            class BoundFromConfiguration
            {
                public static void Configure(IServiceCollection services, IConfiguration configuration, IApplicationBuilder app)
                {
                    services.Configure<WebSocketOptions>(configuration.GetSection("WebSockets"));
                    app.UseWebSockets();
                }
            }

            class OptionsFromElsewhere
            {
                public static void Configure(IApplicationBuilder app, WebSocketOptions options) => app.UseWebSockets(options);
            }

            class ConfigureGeneric
            {
                public static void Configure(IServiceCollection services, IApplicationBuilder app)
                {
                    services.Configure<WebSocketOptions>(o => { o.KeepAliveInterval = TimeSpan.FromSeconds(30); o.KeepAliveTimeout = TimeSpan.FromSeconds(10); });
                    app.UseWebSockets();
                }
            }

            class Inline
            {
                public static void Configure(IApplicationBuilder app)
                {
                    var options = new WebSocketOptions();
                    options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    app.UseWebSockets(options);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore);
    }

    [Fact]
    public async Task Positive_intervals_and_other_properties_are_not_reported()
    {
        const string source = """
            using System;
            using System.IO;
            using System.Net.WebSockets;
            using System.Threading;

            class Factory
            {
                void Configure(ClientWebSocketOptions options, TimeSpan fromConfig)
                {
                    options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    options.KeepAliveInterval = fromConfig;
                    options.KeepAliveInterval = new TimeSpan(0, 0, 15);
                    options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                }

                WebSocket Wrap(Stream stream) => WebSocket.CreateFromStream(stream, isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.FromSeconds(30));

                WebSocket Wrap2(Stream stream) => WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { KeepAliveTimeout = TimeSpan.FromSeconds(20) });
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100);
        await Verify.VerifyAnalyzerAsync(source.Replace("options.KeepAliveTimeout = TimeSpan.FromSeconds(20);", string.Empty).Replace(
            "new WebSocketCreationOptions { KeepAliveTimeout = TimeSpan.FromSeconds(20) }", "new WebSocketCreationOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) }"),
            TargetFramework.Net80);
    }

    [Fact]
    public async Task Unrelated_code_is_not_reported()
    {
        const string source = """
            using System;
            using System.Threading;

            class Settings
            {
                public TimeSpan KeepAliveInterval { get; set; }

                void Configure()
                {
                    KeepAliveInterval = TimeSpan.Zero;
                    var timer = new Timer(_ => { }, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Fix_all_configures_every_socket()
    {
        var test = Verify.Create();
        test.TestCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = {|#0:new ClientWebSocket()|};
                    await socket.ConnectAsync(uri, ct);
                }

                async Task SecondAsync(Uri uri, CancellationToken ct)
                {
                    var socket = {|#1:new ClientWebSocket()|};
                    socket.Options.KeepAliveInterval = {|#2:TimeSpan.Zero|};
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;
        test.FixedCode = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Client
            {
                async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, ct);
                }

                async Task SecondAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
                    await socket.ConnectAsync(uri, ct);
                }
            }
            """;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(NoTimeout));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(2).WithArguments(SwitchedOff));
        test.NumberOfIncrementalIterations = 3;
        test.NumberOfFixAllIterations = 2;
        await test.RunAsync();
    }

    // ---- the runtime configures keep-alive with a timeout: its users are not reported ----

    [Theory]
    [InlineData("""
        // UseWebSockets next to MapWebSocket, whose accept sets interval and timeout.
        using Microsoft.AspNetCore.Builder;
        using WebSocketGuard.AspNetCore;
        static class Server
        {
            public static void Configure(WebApplication app)
            {
                app.UseWebSockets();
                app.MapWebSocket("/ws", connection => connection.Sender.SendTextAsync("hi").AsTask());
            }
        }
        """)]
    [InlineData("""
        // Startup: AddWebSocketGuard in ConfigureServices, UseWebSockets in Configure.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;
        public class Startup
        {
            public void ConfigureServices(IServiceCollection services) => services.AddWebSocketGuard();

            public void Configure(IApplicationBuilder app) => app.UseWebSockets();
        }
        """)]
    [InlineData("""
        // Options completed by ConfigureKeepAlive.
        using Microsoft.AspNetCore.Builder;
        using WebSocketGuard.AspNetCore;
        static class Server
        {
            public static void Configure(WebApplication app)
            {
                var options = new WebSocketOptions();
                options.ConfigureKeepAlive();
                app.UseWebSockets(options);
            }
        }
        """)]
    [InlineData("""
        // Middleware accepting through WebSocketAccept.
        using Microsoft.AspNetCore.Builder;
        using WebSocketGuard.AspNetCore;
        static class Server
        {
            public static void Configure(WebApplication app)
            {
                app.UseWebSockets();
                app.Use(async (context, next) =>
                {
                    if (context.Request.Path != "/ws")
                    {
                        await next(context);
                        return;
                    }

                    await using var connection = await WebSocketAccept.AcceptAsync(context);
                });
            }
        }
        """)]
    [InlineData("""
        // Creation options completed by KeepAlive.Configure.
        using System.IO;
        using System.Net.WebSockets;
        using WebSocketGuard;
        class Server
        {
            WebSocket Wrap(Stream stream)
            {
                var options = new WebSocketCreationOptions { IsServer = true };
                KeepAlive.Configure(options);
                return WebSocket.CreateFromStream(stream, options);
            }
        }
        """)]
    [InlineData("""
        // MapWebSocket in an extension class of its own.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Routing;
        using WebSocketGuard.AspNetCore;
        static class Server
        {
            public static void Configure(WebApplication app)
            {
                app.UseWebSockets();
                app.MapChat();
            }
        }

        static class ChatEndpoints
        {
            public static void MapChat(this IEndpointRouteBuilder endpoints)
                => endpoints.MapWebSocket("/chat", connection => connection.Sender.SendTextAsync("hi").AsTask());
        }
        """)]
    public async Task Keep_alive_configured_by_the_runtime_is_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
    }

    [Fact]
    public async Task KeepAlive_Configure_on_other_options_does_not_count()
    {
        const string source = """
            using System.IO;
            using System.Net.WebSockets;
            using WebSocketGuard;

            class Server
            {
                WebSocket Wrap(Stream stream)
                {
                    var configured = new WebSocketCreationOptions();
                    KeepAlive.Configure(configured);
                    var options = {|#0:new WebSocketCreationOptions { IsServer = true }|};
                    return WebSocket.CreateFromStream(stream, options);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime);
        test.TestCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(0).WithArguments(
            "WebSocketCreationOptions without a KeepAliveTimeout: a peer that vanishes without a Close frame goes unnoticed"));
        await test.RunAsync();
    }
}
