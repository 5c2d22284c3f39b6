using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.UnauthenticatedAcceptAnalyzer,
    WebSocketGuard.CodeFixes.UnauthenticatedAcceptCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

/// <summary>WSG2001 on SignalR hub endpoints and on HttpListener contexts handed to a method that accepts them.</summary>
public class UnauthenticatedAcceptAnalyzerHubAndListenerTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;

    private static DiagnosticResult Hub(int location, string hub) => Verify.Diagnostic().WithLocation(location)
        .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
        .WithArguments($"the hub endpoint has no RequireAuthorization() and its hub '{hub}' has no [Authorize]");

    private static DiagnosticResult Handoff(int location, string handler) => Verify.Diagnostic().WithLocation(location)
        .WithArguments($"the listener has no AuthenticationSchemes and its handler '{handler}' accepts without checking the user");

    [Fact]
    public async Task Hub_mapped_without_authorization_is_reported_and_gets_RequireAuthorization()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http.Connections;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            builder.Services.AddCors(o => o.AddPolicy("spa", p => p.WithOrigins("https://app.example.com").AllowCredentials()));
            var app = builder.Build();
            app.UseCors("spa");
            app.UseAuthorization();

            {|#0:app.MapHub<ChatHub>("/chat")|};
            {|#1:app.MapHub<TickerHub>("/ticker", o => o.Transports = HttpTransportType.WebSockets)|}.WithName("ticker");

            app.Run();

            public class ChatHub : Hub
            {
                public Task Send(string user, string message) => Clients.All.SendAsync("message", user, message);
            }

            public class TickerHub : Hub
            {
                public Task Subscribe(string symbol) => Groups.AddToGroupAsync(Context.ConnectionId, symbol);
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http.Connections;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            builder.Services.AddCors(o => o.AddPolicy("spa", p => p.WithOrigins("https://app.example.com").AllowCredentials()));
            var app = builder.Build();
            app.UseCors("spa");
            app.UseAuthorization();

            app.MapHub<ChatHub>("/chat").RequireAuthorization();
            app.MapHub<TickerHub>("/ticker", o => o.Transports = HttpTransportType.WebSockets).WithName("ticker").RequireAuthorization();

            app.Run();

            public class ChatHub : Hub
            {
                public Task Send(string user, string message) => Clients.All.SendAsync("message", user, message);
            }

            public class TickerHub : Hub
            {
                public Task Subscribe(string symbol) => Groups.AddToGroupAsync(Context.ConnectionId, symbol);
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Hub(0, "ChatHub"));
        test.ExpectedDiagnostics.Add(Hub(1, "TickerHub"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Hub_mapped_under_UseEndpoints_in_a_Startup_class_is_fixed_in_place()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;

            public class ChatHub : Hub
            {
            }

            public class Startup
            {
                public void Configure(IApplicationBuilder app)
                {
                    app.UseFileServer();
                    app.UseRouting();
                    app.UseEndpoints(endpoints =>
                    {
                        {|#0:endpoints.MapHub<ChatHub>("/chat")|};
                    });
                }
            }
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;

            public class ChatHub : Hub
            {
            }

            public class Startup
            {
                public void Configure(IApplicationBuilder app)
                {
                    app.UseFileServer();
                    app.UseRouting();
                    app.UseEndpoints(endpoints =>
                    {
                        endpoints.MapHub<ChatHub>("/chat").RequireAuthorization();
                    });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net80, Web, Hub(0, "ChatHub"));
    }

    [Fact]
    public async Task Hubs_that_require_a_user_or_are_deliberately_anonymous_are_silent()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http.Connections;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            var app = builder.Build();

            app.MapHub<AttributedHub>("/attributed");
            app.MapHub<DerivedHub>("/derived");
            app.MapHub<PublicHub>("/public");
            app.MapHub<PlainHub>("/required").RequireAuthorization();
            app.MapHub<PlainHub>("/anonymous").AllowAnonymous();
            app.MapGroup("/secure").RequireAuthorization().MapHub<PlainHub>("/grouped");
            var admin = app.MapGroup("/admin");
            admin.MapHub<PlainHub>("/hub");
            admin.RequireAuthorization("admin");
            app.MapHub<PlainHub>("/options", o => o.AuthorizationData.Add(new AuthorizeAttribute()));
            app.MapHub<PlainHub>("/polling", o => o.Transports = HttpTransportType.LongPolling);
            app.MapHub<CheckingHub>("/checking");
            app.MapHub<MethodAuthorizedHub>("/methods");

            app.Run();

            [Authorize]
            public class AttributedHub : Hub { }

            [Authorize(Roles = "operator")]
            public abstract class SecureHub : Hub { }

            public class DerivedHub : SecureHub { }

            [AllowAnonymous]
            public class PublicHub : Hub { }

            public class PlainHub : Hub { }

            public class MethodAuthorizedHub : Hub
            {
                public Task Ping() => Clients.Caller.SendAsync("pong");

                [Authorize(Roles = "admin")]
                public Task Broadcast(string message) => Clients.All.SendAsync("message", message);
            }

            public class CheckingHub : Hub
            {
                public override Task OnConnectedAsync()
                {
                    if (Context.User?.Identity?.IsAuthenticated != true)
                    {
                        Context.Abort();
                    }

                    return base.OnConnectedAsync();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        await test.RunAsync();
    }

    [Fact]
    public async Task Fallback_policy_covers_hub_endpoints()
    {
        const string source = """
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            builder.Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
            var app = builder.Build();
            app.MapHub<ChatHub>("/chat");
            app.Run();

            public class ChatHub : Hub { }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        await test.RunAsync();
    }

    [Fact]
    public async Task Listener_context_handed_to_a_method_that_accepts_is_reported_at_the_handoff()
    {
        const string source = """
            using System.Net;
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;

            class Server
            {
                public async void Start(string prefix)
                {
                    var listener = new HttpListener();
                    listener.Prefixes.Add(prefix);
                    listener.Start();
                    while (true)
                    {
                        HttpListenerContext listenerContext = await listener.GetContextAsync();
                        if (listenerContext.Request.IsWebSocketRequest)
                        {
                            {|#0:ProcessRequest(listenerContext)|};
                        }
                        else
                        {
                            listenerContext.Response.StatusCode = 400;
                            listenerContext.Response.Close();
                        }
                    }
                }

                public async Task RunAsync(HttpListener listener)
                {
                    var context = await listener.GetContextAsync().ConfigureAwait(false);
                    _ = Task.Run(() => {|#1:EchoAsync(context, CancellationToken.None)|});
                }

                private async void ProcessRequest(HttpListenerContext listenerContext)
                {
                    var webSocketContext = await listenerContext.AcceptWebSocketAsync(subProtocol: null);
                    await webSocketContext.WebSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }

                private static async Task EchoAsync(HttpListenerContext context, CancellationToken cancellationToken)
                {
                    var webSocketContext = await context.AcceptWebSocketAsync(null);
                    await webSocketContext.WebSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, ProjectReferences.None, Handoff(0, "ProcessRequest"), Handoff(1, "EchoAsync"));
    }

    [Theory]
    [InlineData("""
        // The handler reads the user that the listener authenticated.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                var context = await listener.GetContextAsync();
                await HandleAsync(context);
            }

            static async Task HandleAsync(HttpListenerContext context)
            {
                if (context.User?.Identity?.IsAuthenticated != true) { context.Response.StatusCode = 401; context.Response.Close(); return; }
                var ws = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // The handler checks a token in the query string.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                var context = await listener.GetContextAsync();
                await HandleAsync(context);
            }

            static async Task HandleAsync(HttpListenerContext context)
            {
                if (context.Request.QueryString["access_token"] != "secret") { context.Response.Close(); return; }
                var ws = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // The caller checks before handing the context on.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                var context = await listener.GetContextAsync();
                if (!IsAuthorized(context.Request)) { context.Response.StatusCode = 403; context.Response.Close(); return; }
                await HandleAsync(context);
            }

            static bool IsAuthorized(HttpListenerRequest request) => request.Headers["X-Key"] == "k";

            static async Task HandleAsync(HttpListenerContext context)
            {
                var ws = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // The listener authenticates (Windows authentication) before any handler runs.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                listener.AuthenticationSchemes = AuthenticationSchemes.IntegratedWindowsAuthentication;
                var context = await listener.GetContextAsync();
                await HandleAsync(context);
            }

            static async Task HandleAsync(HttpListenerContext context)
            {
                var ws = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // The handler serves plain HTTP: it never accepts a WebSocket.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                var context = await listener.GetContextAsync();
                Serve(context);
            }

            static void Serve(HttpListenerContext context)
            {
                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
        """)]
    public async Task Listener_handoffs_with_a_check_or_without_an_accept_are_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, ProjectReferences.None);
    }
}
