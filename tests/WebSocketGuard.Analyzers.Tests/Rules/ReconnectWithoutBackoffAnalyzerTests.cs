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
}
