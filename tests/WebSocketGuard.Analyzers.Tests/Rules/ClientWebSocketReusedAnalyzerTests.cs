using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.ClientWebSocketReusedAnalyzer,
    WebSocketGuard.CodeFixes.ClientWebSocketReusedCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class ClientWebSocketReusedAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private static DiagnosticResult Expected(int location) => new DiagnosticResult(RuleIds.ClientWebSocketReused, DiagnosticSeverity.Warning).WithLocation(location);

    private static async Task VerifyNoFixAsync(string source, params DiagnosticResult[] expected)
    {
        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Local_reused_in_retry_loop_is_reported_and_recreated_with_its_options(TargetFramework framework)
    {
        const string source = Usings + """
            static class Connector
            {
                public static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.SetRequestHeader("X-Client", "ticker");
                    while (true)
                    {
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(2), ct);
                        }
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            static class Connector
            {
                public static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                    socket.Options.SetRequestHeader("X-Client", "ticker");
                    while (true)
                    {
                        try
                        {
                            socket.Dispose();
                            socket = new ClientWebSocket();
                            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                            socket.Options.SetRequestHeader("X-Client", "ticker");
                            await socket.ConnectAsync(uri, ct);
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(2), ct);
                        }
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("socket", "by an earlier iteration of this loop"));
    }

    [Fact]
    public async Task Field_reconnected_in_catch_is_reported_and_recreated()
    {
        const string source = Usings + """
            sealed class FeedClient
            {
                private readonly Uri _uri = new("wss://feed.example.com");
                private ClientWebSocket _socket = new();

                public async Task RunAsync(CancellationToken ct)
                {
                    await _socket.ConnectAsync(_uri, ct);
                    try
                    {
                        await ReadAsync(ct);
                    }
                    catch (WebSocketException)
                    {
                        await {|#0:_socket.ConnectAsync(_uri, ct)|};
                        await ReadAsync(ct);
                    }
                }

                private async Task ReadAsync(CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while ((await _socket.ReceiveAsync(buffer, ct)).MessageType != WebSocketMessageType.Close)
                    {
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class FeedClient
            {
                private readonly Uri _uri = new("wss://feed.example.com");
                private ClientWebSocket _socket = new();

                public async Task RunAsync(CancellationToken ct)
                {
                    await _socket.ConnectAsync(_uri, ct);
                    try
                    {
                        await ReadAsync(ct);
                    }
                    catch (WebSocketException)
                    {
                        _socket?.Dispose();
                        _socket = new();
                        await _socket.ConnectAsync(_uri, ct);
                        await ReadAsync(ct);
                    }
                }

                private async Task ReadAsync(CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while ((await _socket.ReceiveAsync(buffer, ct)).MessageType != WebSocketMessageType.Close)
                    {
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("_socket", "by the attempt this catch block handles"));
    }

    [Fact]
    public async Task Reconnect_method_on_field_created_in_constructor_is_reported_and_recreated()
    {
        const string source = Usings + """
            sealed class QuoteClient
            {
                private static readonly Uri Endpoint = new("wss://quotes.example.com/stream");
                private readonly string _token;
                private ClientWebSocket _socket;

                public QuoteClient(string token)
                {
                    _token = token;
                    _socket = new ClientWebSocket();
                    _socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
                }

                public Task StartAsync(CancellationToken ct) => _socket.ConnectAsync(Endpoint, ct);

                public async Task ReconnectAsync(CancellationToken ct)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    await {|#0:_socket.ConnectAsync(Endpoint, ct)|};
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class QuoteClient
            {
                private static readonly Uri Endpoint = new("wss://quotes.example.com/stream");
                private readonly string _token;
                private ClientWebSocket _socket;

                public QuoteClient(string token)
                {
                    _token = token;
                    _socket = new ClientWebSocket();
                    _socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
                }

                public Task StartAsync(CancellationToken ct) => _socket.ConnectAsync(Endpoint, ct);

                public async Task ReconnectAsync(CancellationToken ct)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    _socket?.Dispose();
                    _socket = new ClientWebSocket();
                    _socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
                    await _socket.ConnectAsync(Endpoint, ct);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("_socket", "by the first connection, since 'ReconnectAsync' reconnects without creating one"));
    }

    [Fact]
    public async Task Method_that_retries_by_calling_itself_is_reported_and_fixed()
    {
        const string source = Usings + """
            sealed class Session
            {
                private ClientWebSocket _socket = new ClientWebSocket();

                public async Task OpenAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        await {|#0:_socket.ConnectAsync(uri, ct)|};
                    }
                    catch (WebSocketException)
                    {
                        await Task.Delay(5000, ct);
                        await OpenAsync(uri, ct);
                    }
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class Session
            {
                private ClientWebSocket _socket = new ClientWebSocket();

                public async Task OpenAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        _socket?.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(uri, ct);
                    }
                    catch (WebSocketException)
                    {
                        await Task.Delay(5000, ct);
                        await OpenAsync(uri, ct);
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0));
    }

    [Fact]
    public async Task Connect_pump_connect_loop_with_using_local_is_reported_without_fix()
    {
        const string source = Usings + """
            static class Listener
            {
                public static async Task ListenAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    var buffer = new byte[4096];
                    while (!ct.IsCancellationRequested)
                    {
                        await {|#0:socket.ConnectAsync(uri, ct)|};
                        while (socket.State == WebSocketState.Open)
                        {
                            await socket.ReceiveAsync(buffer, ct);
                        }
                    }
                }
            }
            """;

        await VerifyNoFixAsync(source, Expected(0));
    }

    [Fact]
    public async Task Parameter_reused_in_retry_loop_is_reported_without_fix()
    {
        const string source = Usings + """
            static class Retry
            {
                public static async Task ConnectWithRetryAsync(ClientWebSocket socket, Uri uri, CancellationToken ct)
                {
                    for (var attempt = 0; attempt < 5; attempt++)
                    {
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            return;
                        }
                        catch (WebSocketException) when (attempt < 4)
                        {
                        }
                    }
                }
            }
            """;

        await VerifyNoFixAsync(source, Expected(0));
    }

    [Fact]
    public async Task Fix_all_recreates_each_reused_socket()
    {
        const string source = Usings + """
            static class Connectors
            {
                public static async Task<ClientWebSocket> FirstAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    while (true)
                    {
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                        }
                    }
                }

                public static async Task<ClientWebSocket> SecondAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        await socket.ConnectAsync(uri, ct);
                    }
                    catch (WebSocketException)
                    {
                        await {|#1:socket.ConnectAsync(uri, ct)|};
                    }

                    return socket;
                }
            }
            """;
        const string fixedSource = Usings + """
            static class Connectors
            {
                public static async Task<ClientWebSocket> FirstAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    while (true)
                    {
                        try
                        {
                            socket.Dispose();
                            socket = new ClientWebSocket();
                            await socket.ConnectAsync(uri, ct);
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                        }
                    }
                }

                public static async Task<ClientWebSocket> SecondAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        await socket.ConnectAsync(uri, ct);
                    }
                    catch (WebSocketException)
                    {
                        socket.Dispose();
                        socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                    }

                    return socket;
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task New_socket_per_attempt_is_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private ClientWebSocket? _socket;

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(1000, ct);
                        }
                    }
                }

                public async Task RunWithFieldAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        _socket?.Dispose();
                        _socket = new ClientWebSocket();
                        try
                        {
                            await _socket.ConnectAsync(uri, ct);
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(1000, ct);
                        }
                    }
                }

                public async Task ReconnectAsync(Uri uri, CancellationToken ct)
                {
                    _socket?.Dispose();
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(uri, ct);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Socket_recreated_by_a_helper_or_in_the_catch_is_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private ClientWebSocket _socket = new();

                public async Task ConnectAsync(Uri uri, CancellationToken ct)
                {
                    for (var attempt = 0; attempt < 3; attempt++)
                    {
                        ResetSocket();
                        try
                        {
                            await _socket.ConnectAsync(uri, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                        }
                    }
                }

                public async Task ConnectOrFallBackAsync(Uri primary, Uri fallback, CancellationToken ct)
                {
                    try
                    {
                        await _socket.ConnectAsync(primary, ct);
                    }
                    catch (WebSocketException)
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(fallback, ct);
                    }
                }

                public async Task ReconnectAsync(Uri uri, CancellationToken ct)
                {
                    ResetSocket();
                    await _socket.ConnectAsync(uri, ct);
                }

                private void ResetSocket()
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Reconnect_method_whose_caller_recreates_the_socket_is_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private readonly Uri _uri = new("wss://push.example.com");
                private ClientWebSocket _socket = new();

                public async Task OnDisconnectedAsync(CancellationToken ct)
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                    await ReconnectAsync(ct);
                }

                private Task ReconnectAsync(CancellationToken ct) => _socket.ConnectAsync(_uri, ct);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Loops_that_connect_at_most_once_are_silent()
    {
        const string source = Usings + """
            static class Once
            {
                public static async Task UntilOpenAsync(ClientWebSocket socket, Uri uri, CancellationToken ct)
                {
                    while (socket.State != WebSocketState.Open)
                    {
                        await socket.ConnectAsync(uri, ct);
                    }
                }

                public static async Task WithFlagAsync(ClientWebSocket socket, Uri uri, CancellationToken ct)
                {
                    var connected = false;
                    while (!connected)
                    {
                        await socket.ConnectAsync(uri, ct);
                        connected = true;
                    }
                }

                public static async Task RethrowingAsync(ClientWebSocket socket, Uri uri, CancellationToken ct)
                {
                    while (true)
                    {
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            break;
                        }
                        catch (WebSocketException)
                        {
                            throw;
                        }
                    }
                }

                public static async Task EachEndpointOwnSocketAsync(Uri[] endpoints, CancellationToken ct)
                {
                    foreach (var endpoint in endpoints)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(endpoint, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Connect_method_called_again_from_a_disconnect_event_handler_is_reported_and_recreated()
    {
        const string source = Usings + """
            sealed class TickerClient
            {
                private readonly Uri _uri;
                private ClientWebSocket _socket = new();

                public TickerClient(Uri uri)
                {
                    _uri = uri;
                    Disconnected += async (_, _) => await ConnectAsync(CancellationToken.None);
                }

                public event EventHandler? Disconnected;

                public async Task ConnectAsync(CancellationToken ct)
                {
                    await {|#0:_socket.ConnectAsync(_uri, ct)|};
                    _ = PumpAsync(ct);
                }

                private async Task PumpAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (_socket.State == WebSocketState.Open)
                        {
                            await _socket.ReceiveAsync(buffer, ct);
                        }
                    }
                    catch (WebSocketException)
                    {
                    }

                    Disconnected?.Invoke(this, EventArgs.Empty);
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class TickerClient
            {
                private readonly Uri _uri;
                private ClientWebSocket _socket = new();

                public TickerClient(Uri uri)
                {
                    _uri = uri;
                    Disconnected += async (_, _) => await ConnectAsync(CancellationToken.None);
                }

                public event EventHandler? Disconnected;

                public async Task ConnectAsync(CancellationToken ct)
                {
                    _socket?.Dispose();
                    _socket = new();
                    await _socket.ConnectAsync(_uri, ct);
                    _ = PumpAsync(ct);
                }

                private async Task PumpAsync(CancellationToken ct)
                {
                    var buffer = new byte[4096];
                    try
                    {
                        while (_socket.State == WebSocketState.Open)
                        {
                            await _socket.ReceiveAsync(buffer, ct);
                        }
                    }
                    catch (WebSocketException)
                    {
                    }

                    Disconnected?.Invoke(this, EventArgs.Empty);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("_socket", "by the first connection, since 'ConnectAsync' is called again from the 'Disconnected' handler when the connection ends"));
    }

    [Fact]
    public async Task Connect_method_called_from_the_close_message_branch_is_reported()
    {
        const string source = Usings + """
            sealed class ChatClient
            {
                private readonly Uri _uri = new("wss://chat.example.com/ws");
                private ClientWebSocket _socket = new ClientWebSocket();

                public async Task StartAsync(CancellationToken ct)
                {
                    await {|#0:_socket.ConnectAsync(_uri, ct)|};
                    await ReadAsync(ct);
                }

                private async Task ReadAsync(CancellationToken ct)
                {
                    var buffer = new byte[8192];
                    while (!ct.IsCancellationRequested)
                    {
                        var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer), ct);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await StartAsync(ct);
                            return;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("_socket", "by the first connection, since 'StartAsync' is called again from the branch that handles the Close message when the connection ends"));
    }

    [Fact]
    public async Task Connect_method_called_from_a_named_or_subscribed_close_handler_is_reported()
    {
        const string source = Usings + """
            sealed class Transport
            {
                public event EventHandler? Lost;
                public event EventHandler? SocketClosed;
            }

            sealed class PriceFeed
            {
                private readonly Uri _uri = new("wss://prices.example.com");
                private ClientWebSocket Socket { get; set; } = new();

                public PriceFeed(Transport transport)
                {
                    transport.SocketClosed += Resume;
                }

                public Task OpenAsync() => {|#0:Socket.ConnectAsync(_uri, CancellationToken.None)|};

                public async Task OnConnectionLostAsync() => await OpenAsync();

                private async void Resume(object? sender, EventArgs e) => await OpenAsync();
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Verify.Diagnostic().WithLocation(0)
            .WithArguments("Socket", "by the first connection, since 'OpenAsync' is called again from 'OnConnectionLostAsync' when the connection ends"));
    }

    [Fact]
    public async Task Close_handlers_that_recreate_the_socket_or_call_unrelated_methods_are_silent()
    {
        const string source = Usings + """
            sealed class Client
            {
                private readonly Uri _uri = new("wss://push.example.com");
                private ClientWebSocket _socket = new();
                private ClientWebSocket _backup = new();

                public Client()
                {
                    Disconnected += async (_, _) =>
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await ConnectAsync(CancellationToken.None);
                    };
                    MessageReceived += async (_, _) => await ConnectBackupAsync();
                }

                public event EventHandler? Disconnected;
                public event EventHandler? MessageReceived;

                public Task ConnectAsync(CancellationToken ct) => _socket.ConnectAsync(_uri, ct);

                public Task ConnectBackupAsync() => _backup.ConnectAsync(_uri, CancellationToken.None);

                public async Task OnDisconnectedAsync()
                {
                    ResetSocket();
                    await ConnectAsync(CancellationToken.None);
                }

                private void ResetSocket()
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                }

                private async Task ReadAsync(CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    var result = await _socket.ReceiveAsync(buffer, ct);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await LogClosedAsync();
                    }
                }

                private Task LogClosedAsync() => Task.CompletedTask;
            }

            sealed class FreshSocketPerConnect
            {
                private readonly Uri _uri = new("wss://push.example.com");
                private ClientWebSocket? _socket;

                public FreshSocketPerConnect() => Closed += (_, _) => _ = ConnectAsync();

                public event EventHandler? Closed;

                public async Task ConnectAsync()
                {
                    _socket?.Dispose();
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(_uri, CancellationToken.None);
                }
            }

            sealed class ComputedSocket
            {
                private readonly Uri _uri = new("wss://push.example.com");
                private ClientWebSocket Socket => new ClientWebSocket();

                public Task ConnectAsync() => Socket.ConnectAsync(_uri, CancellationToken.None);

                public Task OnDisconnected() => ConnectAsync();
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Catch_around_unrelated_work_is_silent()
    {
        const string source = Usings + """
            static class Configured
            {
                public static async Task<ClientWebSocket> OpenAsync(string configured, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    Uri uri;
                    try
                    {
                        uri = new Uri(configured);
                    }
                    catch (UriFormatException)
                    {
                        uri = new Uri("wss://default.example.com");
                        await socket.ConnectAsync(uri, ct);
                        return socket;
                    }

                    await socket.ConnectAsync(uri, ct);
                    return socket;
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
