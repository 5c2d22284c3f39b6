using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.ReconnectWithoutBackoffAnalyzer,
    WebSocketGuard.CodeFixes.ReconnectWithoutBackoffCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class ReconnectWithoutBackoffAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Net.WebSockets;
        using System.Threading;
        using System.Threading.Tasks;

        """;

    private const string Pump = """

            private static async Task PumpAsync(WebSocket socket, CancellationToken ct)
            {
                var buffer = new byte[4096];
                while (socket.State == WebSocketState.Open)
                {
                    var result = await socket.ReceiveAsync(buffer, ct);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
        }
        """;

    // The loop and the fixed delay travel as additional locations for the fixer; the fix tests check their use.
    private static DiagnosticResult Expected(int location)
        => new DiagnosticResult(RuleIds.ReconnectWithoutBackoff, DiagnosticSeverity.Warning).WithLocation(location).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    private static DiagnosticResult Expected(int location, string detail)
        => Verify.Diagnostic().WithLocation(location).WithArguments(detail).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Immediate_retry_after_catch_is_reported_and_gets_backoff(TargetFramework framework)
    {
        const string source = Usings + """
            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine($"disconnected: {ex.Message}");
                        }
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + """
            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            reconnectAttempt = 0;
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine($"disconnected: {ex.Message}");
                        }

                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, expected: Expected(0, "retries immediately"));
    }

    [Fact]
    public async Task Fixed_delay_is_reported_and_replaced_by_backoff()
    {
        const string source = Usings + """
            sealed class FeedClient
            {
                public async Task RunAsync(Uri uri, CancellationToken cancellationToken)
                {
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, cancellationToken)|};
                            await PumpAsync(socket, cancellationToken);
                            return;
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine(ex.Message);
                            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                        }
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + """
            sealed class FeedClient
            {
                public async Task RunAsync(Uri uri, CancellationToken cancellationToken)
                {
                    var reconnectAttempt = 0;
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, cancellationToken);
                            reconnectAttempt = 0;
                            await PumpAsync(socket, cancellationToken);
                            return;
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine(ex.Message);
                            var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                            reconnectAttempt++;
                            await Task.Delay(Random.Shared.Next(reconnectDelay), cancellationToken);
                        }
                    }
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0, "waits a fixed delay between attempts"));
    }

    [Fact]
    public async Task Connect_pump_connect_loop_is_reported_and_fixed()
    {
        const string source = Usings + """
            static class Listener
            {
                public static async Task ListenAsync(Uri uri, CancellationToken ct)
                {
                    do
                    {
                        using var socket = new ClientWebSocket();
                        await {|#0:socket.ConnectAsync(uri, ct)|}.ConfigureAwait(false);
                        await PumpAsync(socket, ct).ConfigureAwait(false);
                    }
                    while (!ct.IsCancellationRequested);
                }
            """ + Pump;
        const string fixedSource = Usings + """
            static class Listener
            {
                public static async Task ListenAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    do
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct).ConfigureAwait(false);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, ct).ConfigureAwait(false);
                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }
                    while (!ct.IsCancellationRequested);
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0));
    }

    [Fact]
    public async Task Constant_delay_from_a_readonly_field_in_a_counted_loop_is_reported()
    {
        const string source = Usings + """
            sealed class Connector
            {
                private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

                public async Task<ClientWebSocket?> ConnectAsync(Uri uri, CancellationToken ct)
                {
                    for (var attempt = 1; attempt <= 10; attempt++)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                        }

                        var wait = RetryDelay;
                        await Task.Delay(wait, ct);
                    }

                    return null;
                }
            }
            """;
        const string fixedSource = Usings + """
            sealed class Connector
            {
                private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(3);

                public async Task<ClientWebSocket?> ConnectAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    for (var attempt = 1; attempt <= 10; attempt++)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            reconnectAttempt = 0;
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                        }

                        var wait = RetryDelay;
                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }

                    return null;
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Method_calling_itself_from_its_catch_is_reported_without_fix()
    {
        const string source = Usings + """
            sealed class Session
            {
                private ClientWebSocket _socket = new();

                public async Task OpenAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        _socket = new ClientWebSocket();
                        await {|#0:_socket.ConnectAsync(uri, ct)|};
                    }
                    catch (WebSocketException)
                    {
                        await OpenAsync(uri, ct);
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0, "retries immediately: 'OpenAsync' calls itself from its catch"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Loop_with_continue_is_reported_without_fix()
    {
        const string source = Usings + """
            static class Client
            {
                public static async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                        }
                        catch (WebSocketException)
                        {
                            continue;
                        }

                        await PumpAsync(socket, ct);
                    }
                }
            """ + Pump;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_adds_backoff_to_every_loop()
    {
        const string source = Usings + """
            static class Clients
            {
                public static async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await {|#0:socket.ConnectAsync(uri, ct)|};
                        await PumpAsync(socket, ct);
                    }
                }

                public static async Task SecondAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await {|#1:socket.ConnectAsync(uri, ct)|};
                        await PumpAsync(socket, ct);
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + """
            static class Clients
            {
                public static async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, ct);
                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }
                }

                public static async Task SecondAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, ct);
                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }
                }
            """ + Pump;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    // ---- with the WebSocketGuard runtime referenced, the fix waits on its Backoff ----

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Immediate_retry_with_the_runtime_waits_on_Backoff_Default(TargetFramework framework)
    {
        const string source = Usings + """
            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine($"disconnected: {ex.Message}");
                        }
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + "using WebSocketGuard;\n" + """
            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            reconnectAttempt = 0;
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException ex)
                        {
                            Console.WriteLine($"disconnected: {ex.Message}");
                        }

                        await Backoff.Default.DelayAsync(reconnectAttempt++, ct);
                    }
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, ProjectReferences.Runtime, Expected(0, "retries immediately"));
    }

    [Fact]
    public async Task Fixed_delay_with_the_runtime_is_replaced_by_Backoff_Default()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            sealed class FeedClient
            {
                private readonly CancellationTokenSource _stop = new();

                public async Task RunAsync(Uri uri)
                {
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, _stop.Token)|}.ConfigureAwait(false);
                            await PumpAsync(socket, _stop.Token).ConfigureAwait(false);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(2000, _stop.Token).ConfigureAwait(false);
                        }
                    }
                }
            """ + Pump;
        const string fixedSource = """
            using System;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using WebSocketGuard;

            sealed class FeedClient
            {
                private readonly CancellationTokenSource _stop = new();

                public async Task RunAsync(Uri uri)
                {
                    var reconnectAttempt = 0;
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, _stop.Token).ConfigureAwait(false);
                            reconnectAttempt = 0;
                            await PumpAsync(socket, _stop.Token).ConfigureAwait(false);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await Backoff.Default.DelayAsync(reconnectAttempt++, _stop.Token).ConfigureAwait(false);
                        }
                    }
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.Runtime, Expected(0, "waits a fixed delay between attempts"));
    }

    [Fact]
    public async Task Fix_all_with_the_runtime_adds_one_using()
    {
        const string source = Usings + """
            static class Clients
            {
                public static async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await {|#0:socket.ConnectAsync(uri, ct)|};
                        await PumpAsync(socket, ct);
                    }
                }

                public static async Task SecondAsync(Uri uri)
                {
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        await {|#1:socket.ConnectAsync(uri, CancellationToken.None)|};
                        await PumpAsync(socket, CancellationToken.None);
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + "using WebSocketGuard;\n" + """
            static class Clients
            {
                public static async Task FirstAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, ct);
                        await Backoff.Default.DelayAsync(reconnectAttempt++, ct);
                    }
                }

                public static async Task SecondAsync(Uri uri)
                {
                    var reconnectAttempt = 0;
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, CancellationToken.None);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, CancellationToken.None);
                        await Backoff.Default.DelayAsync(reconnectAttempt++, CancellationToken.None);
                    }
                }
            """ + Pump;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.Runtime);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Expected(0));
        test.ExpectedDiagnostics.Add(Expected(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Own_type_named_Backoff_keeps_the_plain_fix_with_the_runtime()
    {
        const string source = Usings + """
            sealed class Backoff
            {
                public static TimeSpan For(int attempt) => TimeSpan.FromSeconds(attempt);
            }

            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await {|#0:socket.ConnectAsync(uri, ct)|};
                        await PumpAsync(socket, ct);
                    }
                }
            """ + Pump;
        const string fixedSource = Usings + """
            sealed class Backoff
            {
                public static TimeSpan For(int attempt) => TimeSpan.FromSeconds(attempt);
            }

            sealed class TickerClient
            {
                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        reconnectAttempt = 0;
                        await PumpAsync(socket, ct);
                        var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                        reconnectAttempt++;
                        await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                    }
                }
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, ProjectReferences.Runtime, Expected(0));
    }

    [Fact]
    public async Task Growing_delays_are_silent()
    {
        const string source = Usings + """
            sealed class Clients
            {
                public async Task AttemptBasedAsync(Uri uri, CancellationToken ct)
                {
                    var attempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            attempt = 0;
                        }
                        catch (WebSocketException)
                        {
                        }

                        var cap = Math.Min(30_000, 1_000 * (1 << Math.Min(attempt, 5)));
                        attempt++;
                        await Task.Delay(Random.Shared.Next(cap), ct);
                    }
                }

                public async Task DoublingAsync(Uri uri, CancellationToken ct)
                {
                    var delay = TimeSpan.FromSeconds(1);
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(delay, ct);
                            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                        }
                    }
                }

                public async Task HelperAsync(Uri uri, CancellationToken ct)
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(GetDelay(attempt), ct);
                        }
                    }
                }

                private static TimeSpan GetDelay(int attempt) => TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, attempt)));
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Random_or_helper_delays_are_silent()
    {
        const string source = Usings + """
            sealed class Clients
            {
                private readonly Random _random = new();

                public async Task RandomAsync(Uri uri, CancellationToken ct)
                {
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await Task.Delay(_random.Next(1_000, 5_000), ct);
                        }
                    }
                }

                public async Task HelperAsync(Uri uri, CancellationToken ct)
                {
                    while (true)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            await PauseAsync(ct);
                        }
                    }
                }

                private async Task PauseAsync(CancellationToken ct) => await Task.Delay(NextDelay(), ct);

                private TimeSpan NextDelay() => TimeSpan.FromSeconds(1);
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Periodic_job_that_closes_each_round_is_silent()
    {
        const string source = Usings + """
            static class Reporter
            {
                public static async Task ReportEveryMinuteAsync(Uri uri, Func<byte[]> snapshot, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using (var socket = new ClientWebSocket())
                        {
                            await socket.ConnectAsync(uri, ct);
                            await socket.SendAsync(snapshot(), WebSocketMessageType.Binary, true, ct);
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
                        }

                        await Task.Delay(TimeSpan.FromMinutes(1), ct);
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Endpoint_walks_and_single_attempts_are_silent()
    {
        const string source = Usings + """
            static class Connectors
            {
                public static async Task<ClientWebSocket?> FirstReachableAsync(Uri[] endpoints, CancellationToken ct)
                {
                    foreach (var endpoint in endpoints)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(endpoint, ct);
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                        }
                    }

                    return null;
                }

                public static async Task<ClientWebSocket?> ByIndexAsync(Uri[] endpoints, CancellationToken ct)
                {
                    for (var i = 0; i < endpoints.Length; i++)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(endpoints[i], ct);
                            return socket;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                        }
                    }

                    return null;
                }

                public static async Task<ClientWebSocket> OnceAsync(Uri uri, CancellationToken ct)
                {
                    var socket = new ClientWebSocket();
                    try
                    {
                        await socket.ConnectAsync(uri, ct);
                    }
                    catch (WebSocketException)
                    {
                        socket.Dispose();
                        throw;
                    }

                    return socket;
                }

                public static async Task ConnectAllAsync(ClientWebSocket[] sockets, Uri uri, CancellationToken ct)
                {
                    while (true)
                    {
                        var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            break;
                        }
                        catch (WebSocketException)
                        {
                            socket.Dispose();
                            throw;
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    // ---- a method that calls itself again, waiting a delay that is set once ----

    [Fact]
    public async Task Recursion_from_catch_after_an_options_delay_is_reported_without_fix()
    {
        const string source = Usings + """
            sealed class FeedOptions
            {
                public Uri Endpoint { get; init; } = new("wss://feed.example.com/ws");
                public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);
            }

            sealed class FeedClient
            {
                private readonly FeedOptions _options;
                private ClientWebSocket? _socket;

                public FeedClient(FeedOptions options) => _options = options;

                public async Task StartAsync(CancellationToken ct)
                {
                    try
                    {
                        _socket = new ClientWebSocket();
                        await {|#0:_socket.ConnectAsync(_options.Endpoint, ct)|};
                    }
                    catch (WebSocketException)
                    {
                        await Task.Delay(_options.RetryDelay, ct);
                        await StartAsync(ct);
                    }
                }
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0, "waits a fixed delay before 'StartAsync' calls itself again"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Recursion_after_the_read_loop_through_a_wait_helper_is_reported()
    {
        const string source = Usings + """
            readonly struct ClientSettings
            {
                public const int DefaultReconnectSeconds = 10;

                public bool AutoReconnect { get; init; }
                public int ReconnectSeconds { get; init; }

                public Task ReconnectPause() => Task.Delay((ReconnectSeconds == 0 ? DefaultReconnectSeconds : ReconnectSeconds) * 1000);
            }

            sealed class TelemetryClient
            {
                private ClientSettings _settings;
                private ClientWebSocket? _socket;

                public TelemetryClient(ClientSettings settings) => _settings = settings;

                public async void Connect(Uri uri)
                {
                    _socket = new ClientWebSocket();
                    await {|#0:_socket.ConnectAsync(uri, CancellationToken.None)|};

                    var buffer = new byte[8192];
                    while (_socket.State == WebSocketState.Open)
                    {
                        var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            break;
                        }
                    }

                    if (!_settings.AutoReconnect)
                    {
                        return;
                    }

                    await _settings.ReconnectPause();
                    Connect(uri);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0, "waits a fixed delay before 'Connect' calls itself again when the connection ends"));
    }

    [Fact]
    public async Task Immediate_recursion_after_a_pump_method_is_reported()
    {
        const string source = Usings + """
            sealed class QuoteStream
            {
                public bool AutoReconnect { get; set; } = true;

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await {|#0:socket.ConnectAsync(uri, ct)|};
                    await PumpAsync(socket, ct);
                    if (AutoReconnect && !ct.IsCancellationRequested)
                    {
                        await RunAsync(uri, ct);
                    }
                }
            """ + Pump;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0, "retries immediately: 'RunAsync' calls itself when the connection ends"));
    }

    [Fact]
    public async Task Recursion_after_a_try_that_connects_and_reads_is_reported_and_attempt_arguments_are_silent()
    {
        const string source = Usings + """
            sealed class Subscriber
            {
                private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

                public async Task ListenAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        using var socket = new ClientWebSocket();
                        await {|#0:socket.ConnectAsync(uri, ct)|};
                        await PumpAsync(socket, ct);
                    }
                    catch (WebSocketException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }

                    await Task.Delay(ReconnectDelay, ct);
                    await ListenAsync(uri, ct);
                }

                // The attempt travels in a parameter: the delay may grow with it, and the attempts may be capped.
                public async Task ListenCountedAsync(Uri uri, int attempt, CancellationToken ct)
                {
                    try
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        await PumpAsync(socket, ct);
                    }
                    catch (WebSocketException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }

                    await Task.Delay(ReconnectDelay, ct);
                    await ListenCountedAsync(uri, attempt + 1, ct);
                }
            """ + Pump;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0, "waits a fixed delay before 'ListenAsync' calls itself again when the connection ends"));
    }

    [Fact]
    public async Task Wait_helper_in_a_retry_loop_is_replaced_by_backoff()
    {
        const string source = Usings + """
            sealed class Connector
            {
                private TimeSpan _retryDelay = TimeSpan.FromSeconds(2);

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await {|#0:socket.ConnectAsync(uri, ct)|};
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException)
                        {
                            await PauseBeforeRetryAsync(ct);
                        }
                    }
                }

                private Task PauseBeforeRetryAsync(CancellationToken ct) => Task.Delay(_retryDelay, ct);
            """ + Pump;
        const string fixedSource = Usings + """
            sealed class Connector
            {
                private TimeSpan _retryDelay = TimeSpan.FromSeconds(2);

                public async Task RunAsync(Uri uri, CancellationToken ct)
                {
                    var reconnectAttempt = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        using var socket = new ClientWebSocket();
                        try
                        {
                            await socket.ConnectAsync(uri, ct);
                            reconnectAttempt = 0;
                            await PumpAsync(socket, ct);
                        }
                        catch (WebSocketException)
                        {
                            var reconnectDelay = Math.Min(30_000, 1_000 << Math.Min(reconnectAttempt, 5));
                            reconnectAttempt++;
                            await Task.Delay(Random.Shared.Next(reconnectDelay), ct);
                        }
                    }
                }

                private Task PauseBeforeRetryAsync(CancellationToken ct) => Task.Delay(_retryDelay, ct);
            """ + Pump;

        await Verify.VerifyCodeFixAsync(source, fixedSource, expected: Expected(0, "waits a fixed delay between attempts"));
    }

    [Fact]
    public async Task Delays_that_change_between_attempts_or_redirects_are_silent()
    {
        const string source = Usings + """
            sealed class ReconnectSettings
            {
                public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);
            }

            sealed class Clients
            {
                private readonly ReconnectSettings _settings = new();
                private TimeSpan _delay = TimeSpan.FromSeconds(1);
                private int _failures;

                // The settings' delay doubles on each failure: a growing delay the rule cannot see in the catch.
                public async Task SettingsGrowAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                        _settings.Delay = TimeSpan.FromSeconds(1);
                    }
                    catch (WebSocketException)
                    {
                        await Task.Delay(_settings.Delay, ct);
                        _settings.Delay = TimeSpan.FromTicks(Math.Min(_settings.Delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                        await SettingsGrowAsync(uri, ct);
                    }
                }

                // A field the reconnect path doubles.
                public async Task FieldGrowsAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    await PumpAsync(socket, ct);
                    await Task.Delay(_delay, ct);
                    _delay = _delay < TimeSpan.FromSeconds(30) ? _delay * 2 : _delay;
                    await FieldGrowsAsync(uri, ct);
                }

                // A helper that counts failures may grow its delay.
                public async Task CountingHelperAsync(Uri uri, CancellationToken ct)
                {
                    try
                    {
                        using var socket = new ClientWebSocket();
                        await socket.ConnectAsync(uri, ct);
                    }
                    catch (WebSocketException)
                    {
                        await WaitAfterFailureAsync(ct);
                        await CountingHelperAsync(uri, ct);
                    }
                }

                private Task WaitAfterFailureAsync(CancellationToken ct)
                {
                    _failures++;
                    return Task.Delay(Math.Min(30_000, 500 << Math.Min(_failures, 6)), ct);
                }

                // Following a redirect to another endpoint is not a reconnect.
                public async Task FollowAsync(Uri uri, CancellationToken ct)
                {
                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(uri, ct);
                    var redirect = await ReadRedirectAsync(socket, ct);
                    if (redirect is not null)
                    {
                        await FollowAsync(redirect, ct);
                    }
                }

                private static async Task<Uri?> ReadRedirectAsync(WebSocket socket, CancellationToken ct)
                {
                    var buffer = new byte[1024];
                    while (socket.State == WebSocketState.Open)
                    {
                        var result = await socket.ReceiveAsync(buffer, ct);
                        if (result.MessageType == WebSocketMessageType.Text)
                        {
                            return new Uri(System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count));
                        }
                    }

                    return null;
                }
            """ + Pump;

        await Verify.VerifyAnalyzerAsync(source);
    }

    // ---- a periodic timer whose callback reconnects ----

    [Fact]
    public async Task Threading_timer_that_reconnects_every_period_is_reported_without_fix()
    {
        const string source = Usings + """
            sealed class StatusClient : IDisposable
            {
                private const int ReconnectIntervalMs = 3_000;
                private readonly Timer _reconnectTimer;
                private readonly Uri _uri;
                private ClientWebSocket _socket = new();
                private bool _autoReconnect;

                public StatusClient(Uri uri)
                {
                    _uri = uri;
                    _reconnectTimer = new Timer(OnReconnectTimer, null, Timeout.Infinite, Timeout.Infinite);
                }

                public bool AutoReconnect
                {
                    get => _autoReconnect;
                    set
                    {
                        _autoReconnect = value;
                        _reconnectTimer.Change(value ? ReconnectIntervalMs : Timeout.Infinite, value ? ReconnectIntervalMs : Timeout.Infinite);
                    }
                }

                private void OnReconnectTimer(object? state)
                {
                    if (_autoReconnect && _socket.State != WebSocketState.Open)
                    {
                        _ = Task.Run(async () =>
                        {
                            try
                            {
                                await {|#0:OpenAsync()|};
                            }
                            catch (Exception ex)
                            {
                                Console.WriteLine(ex.Message);
                            }
                        });
                    }
                }

                private async Task OpenAsync()
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(_uri, CancellationToken.None);
                }

                public void Dispose() => _reconnectTimer.Dispose();
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0, "runs from a timer with a fixed period"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Timers_timer_whose_elapsed_handler_reconnects_is_reported()
    {
        const string source = Usings + """
            sealed class Watchdog
            {
                private readonly System.Timers.Timer _timer = new(TimeSpan.FromSeconds(10).TotalMilliseconds);
                private readonly Uri _uri;
                private ClientWebSocket? _socket;

                public Watchdog(Uri uri)
                {
                    _uri = uri;
                    _timer.Elapsed += async (_, _) =>
                    {
                        if (_socket is null || _socket.State != WebSocketState.Open)
                        {
                            _socket?.Dispose();
                            _socket = new ClientWebSocket();
                            await {|#0:_socket.ConnectAsync(_uri, CancellationToken.None)|};
                        }
                    };
                    _timer.Start();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0, "runs from a timer with a fixed period"));
    }

    [Fact]
    public async Task Timers_timer_with_an_interval_from_the_constructor_is_reported()
    {
        const string source = Usings + """
            sealed class RobotLink
            {
                private readonly System.Timers.Timer _timer;
                private readonly CancellationTokenSource _cts = new();
                private ClientWebSocket _socket = new();
                private string _host;

                public RobotLink(string host, int reconnectsPerSecond = 1)
                {
                    _host = host;
                    var seconds = 1.0 / reconnectsPerSecond;
                    _timer = new System.Timers.Timer(seconds * 1000);
                    _timer.Elapsed += OnTimerElapsed;
                    _timer.Start();
                }

                private void OnTimerElapsed(object? sender, System.Timers.ElapsedEventArgs e)
                {
                    if (_socket.State != WebSocketState.Open)
                    {
                        {|#0:Connect()|};
                    }
                }

                private async void Connect()
                {
                    try
                    {
                        if (_socket.State == WebSocketState.Open)
                        {
                            return;
                        }

                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(new Uri($"wss://{_host}/link"), _cts.Token);
                    }
                    catch (WebSocketException)
                    {
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, expected: Expected(0, "runs from a timer with a fixed period"));
    }

    [Fact]
    public async Task Timers_that_back_off_fire_once_or_run_a_periodic_job_are_silent()
    {
        const string source = Usings + """
            sealed class Clients : IDisposable
            {
                private readonly Uri _uri;
                private readonly Timer _growing;
                private readonly Timer _throttled;
                private readonly Timer _oneShot;
                private readonly Timer _report;
                private readonly Timer _snapshot;
                private readonly System.Timers.Timer _single = new(5_000) { AutoReset = false };
                private ClientWebSocket _socket = new();
                private int _attempt;
                private DateTimeOffset _nextAttempt;

                public Clients(Uri uri, TimeSpan checkEvery)
                {
                    _uri = uri;
                    _growing = new Timer(OnGrowingTimer, null, 1_000, Timeout.Infinite);
                    _throttled = new Timer(OnHealthCheck, null, 0, 1_000);
                    _oneShot = new Timer(_ => _ = ConnectAsync(), null, 5_000, Timeout.Infinite);
                    _report = new Timer(OnReport, null, 0, 60_000);
                    _snapshot = new Timer(OnSnapshot, null, 0, 30_000);
                    _single.Elapsed += async (_, _) =>
                    {
                        if (_socket.State != WebSocketState.Open)
                        {
                            await ConnectAsync();
                        }
                    };
                    _single.Start();
                }

                // Rescheduled with a delay that grows with each failure.
                private async void OnGrowingTimer(object? state)
                {
                    if (_socket.State == WebSocketState.Open)
                    {
                        return;
                    }

                    try
                    {
                        await ConnectAsync();
                        _attempt = 0;
                    }
                    catch (WebSocketException)
                    {
                        _attempt++;
                        _growing.Change(Math.Min(30_000, 1_000 << Math.Min(_attempt, 5)), Timeout.Infinite);
                    }
                }

                // Only connects when disconnected and the next attempt, pushed back after each failure, is due.
                private void OnHealthCheck(object? state)
                {
                    if (_socket.State == WebSocketState.Open || DateTimeOffset.UtcNow < _nextAttempt)
                    {
                        return;
                    }

                    _ = ConnectAsync();
                }

                // Connect, send, close every minute: a periodic job.
                private async void OnReport(object? state)
                {
                    if (_uri.IsLoopback)
                    {
                        return;
                    }

                    using var socket = new ClientWebSocket();
                    await socket.ConnectAsync(_uri, CancellationToken.None);
                    await socket.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                }

                // A socket of its own for each tick, disposed when the tick ends: also a periodic job.
                private async void OnSnapshot(object? state)
                {
                    if (_socket.State != WebSocketState.Open)
                    {
                        return;
                    }

                    using var probe = new ClientWebSocket();
                    await probe.ConnectAsync(_uri, CancellationToken.None);
                    await probe.SendAsync(new byte[] { 2 }, WebSocketMessageType.Binary, true, CancellationToken.None);
                }

                private async Task ConnectAsync()
                {
                    try
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(_uri, CancellationToken.None);
                    }
                    catch (WebSocketException)
                    {
                        _nextAttempt = DateTimeOffset.UtcNow.AddSeconds(Math.Min(30, 1 << Math.Min(++_attempt, 5)));
                    }
                }

                public void Dispose()
                {
                    _growing.Dispose();
                    _throttled.Dispose();
                    _oneShot.Dispose();
                    _report.Dispose();
                    _snapshot.Dispose();
                    _single.Dispose();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    [Fact]
    public async Task Timers_with_a_period_that_may_change_or_a_backoff_wait_are_silent()
    {
        const string source = Usings + """
            sealed class Reconnector : IDisposable
            {
                private readonly Uri _uri;
                private readonly Timer _configured;
                private readonly Timer _jittered;
                private readonly Random _random = new();
                private ClientWebSocket _socket = new();

                public Reconnector(Uri uri, TimeSpan checkEvery)
                {
                    _uri = uri;
                    _configured = new Timer(_ => Reconnect(), null, checkEvery, checkEvery); // may be Timeout.InfiniteTimeSpan: once
                    _jittered = new Timer(OnJitteredCheck, null, 0, 5_000);
                }

                // Each call starts a timer with the delay it is given: the caller may grow it.
                public void ScheduleReconnect(double delayMs)
                {
                    var retry = new System.Timers.Timer(delayMs);
                    retry.Elapsed += (_, _) =>
                    {
                        if (_socket.State != WebSocketState.Open)
                        {
                            _ = ConnectAsync();
                        }
                    };
                    retry.Start();
                }

                private void Reconnect()
                {
                    if (_socket.State != WebSocketState.Open)
                    {
                        _ = ConnectAsync();
                    }
                }

                private async void OnJitteredCheck(object? state)
                {
                    if (_socket.State != WebSocketState.Open)
                    {
                        await Task.Delay(_random.Next(0, 30_000));
                        await ConnectAsync();
                    }
                }

                private async Task ConnectAsync()
                {
                    _socket.Dispose();
                    _socket = new ClientWebSocket();
                    await _socket.ConnectAsync(_uri, CancellationToken.None);
                }

                public void Dispose()
                {
                    _configured.Dispose();
                    _jittered.Dispose();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }

    // ---- a handler of the client's own close event that connects again ----

    [Fact]
    public async Task Close_event_handlers_that_reconnect_and_fail_back_into_the_event_are_reported_without_fix()
    {
        const string source = Usings + """
            sealed class ChatConnection
            {
                private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(5);
                private readonly Uri _uri;
                private ClientWebSocket _socket = new();

                public event EventHandler? Disconnected;
                public event EventHandler<string>? Closed;

                public ChatConnection(Uri uri)
                {
                    _uri = uri;
                    Disconnected += async (_, _) =>
                    {
                        await Task.Delay(ReconnectDelay);
                        await {|#0:OpenAsync()|};
                    };
                    Closed += OnClosed;
                }

                private async void OnClosed(object? sender, string reason)
                {
                    Console.WriteLine($"closed: {reason}");
                    try
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await {|#1:_socket.ConnectAsync(_uri, CancellationToken.None)|};
                    }
                    catch (WebSocketException ex)
                    {
                        Closed?.Invoke(this, ex.Message);
                    }
                }

                public async Task OpenAsync()
                {
                    try
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(_uri, CancellationToken.None);
                    }
                    catch (WebSocketException)
                    {
                        RaiseDisconnected();
                    }
                }

                private void RaiseDisconnected() => Disconnected?.Invoke(this, EventArgs.Empty);
            }
            """;

        var test = Verify.Create();
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Expected(0, "waits a fixed delay before the 'Disconnected' handler connects again"));
        test.ExpectedDiagnostics.Add(Expected(1, "retries immediately: the 'Closed' handler connects again, and a failed connect raises 'Closed' again"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Close_event_handlers_that_try_once_back_off_cap_or_retry_in_a_loop_are_silent()
    {
        const string source = Usings + """
            sealed class Connections
            {
                private readonly Uri _uri;
                private ClientWebSocket _socket = new();
                private TimeSpan _delay = TimeSpan.FromSeconds(1);
                private int _attempts;

                public event EventHandler? Disconnected;
                public event EventHandler? ConnectionLost;
                public event EventHandler? SocketClosed;
                public event EventHandler? ConnectionClosed;

                public Connections(Uri uri)
                {
                    _uri = uri;

                    // One attempt per close: a failed connect is logged and ends there.
                    ConnectionClosed += async (_, _) => await OpenOnceAsync();

                    // The delay doubles after each failure.
                    Disconnected += async (_, _) =>
                    {
                        await Task.Delay(_delay);
                        _delay = _delay < TimeSpan.FromSeconds(30) ? _delay * 2 : _delay;
                        await OpenAsync(() => Disconnected?.Invoke(this, EventArgs.Empty));
                    };

                    // At most five attempts.
                    ConnectionLost += async (_, _) =>
                    {
                        if (_attempts++ >= 5)
                        {
                            return;
                        }

                        await OpenAsync(() => ConnectionLost?.Invoke(this, EventArgs.Empty));
                    };

                    // The connect method retries in a loop of its own, with backoff.
                    SocketClosed += async (_, _) => await OpenWithRetriesAsync();
                }

                private async Task OpenOnceAsync()
                {
                    try
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(_uri, CancellationToken.None);
                    }
                    catch (WebSocketException ex)
                    {
                        Console.WriteLine(ex.Message);
                    }
                }

                private async Task OpenAsync(Action onFailure)
                {
                    try
                    {
                        _socket.Dispose();
                        _socket = new ClientWebSocket();
                        await _socket.ConnectAsync(_uri, CancellationToken.None);
                        _attempts = 0;
                    }
                    catch (WebSocketException)
                    {
                        Disconnected?.Invoke(this, EventArgs.Empty);
                        ConnectionLost?.Invoke(this, EventArgs.Empty);
                        onFailure();
                    }
                }

                private async Task OpenWithRetriesAsync()
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        try
                        {
                            _socket.Dispose();
                            _socket = new ClientWebSocket();
                            await _socket.ConnectAsync(_uri, CancellationToken.None);
                            return;
                        }
                        catch (WebSocketException)
                        {
                            SocketClosed?.Invoke(this, EventArgs.Empty);
                            await Task.Delay(Math.Min(30_000, 500 << Math.Min(attempt, 6)));
                        }
                    }
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source);
    }
}
