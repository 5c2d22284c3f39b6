using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.OriginNotValidatedAnalyzer,
    WebSocketGuard.CodeFixes.OriginNotValidatedCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class OriginNotValidatedAnalyzerTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;

    private const string UseWithCookies = "UseWebSockets has no AllowedOrigins: with cookie authentication any web site a user visits can open this socket as that user (cross-site WebSocket hijacking)";
    private const string UseWithoutCookies = "UseWebSockets has no AllowedOrigins: any web site can open this socket from a visitor's browser";

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Cookie_app_without_allow_list_is_a_warning_and_gets_one_from_configuration(TargetFramework framework)
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthentication().AddCookie();
            var app = builder.Build();

            {|#0:app.UseWebSockets()|};
            app.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            });

            app.Run();
            """;
        const string fixedSource = """
            using System;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthentication().AddCookie();
            var app = builder.Build();

            var webSocketOptions = new WebSocketOptions();
            foreach (var origin in app.Configuration.GetSection("WebSockets:AllowedOrigins").Get<string[]>() ?? Array.Empty<string>())
            {
                webSocketOptions.AllowedOrigins.Add(origin);
            }

            app.UseWebSockets(webSocketOptions);
            app.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            });

            app.Run();
            """;

        var test = Verify.Create(framework, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithArguments(UseWithCookies));
        await test.RunAsync();
    }

    [Fact]
    public async Task Without_cookies_it_is_info_and_the_fix_keeps_existing_options()
    {
        const string source = """
            using System;
            using Microsoft.AspNetCore.Builder;

            static class Pipeline
            {
                public static void Configure(WebApplication app)
                {
                    {|#0:app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) })|};
                }
            }
            """;
        const string fixedSource = """
            using System;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.Extensions.Configuration;

            static class Pipeline
            {
                public static void Configure(WebApplication app)
                {
                    var webSocketOptions = new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) };
                    foreach (var origin in app.Configuration.GetSection("WebSockets:AllowedOrigins").Get<string[]>() ?? Array.Empty<string>())
                    {
                        webSocketOptions.AllowedOrigins.Add(origin);
                    }

                    app.UseWebSockets(webSocketOptions);
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, Web,
            Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithArguments(UseWithoutCookies));
    }

    [Fact]
    public async Task Wildcard_origin_is_no_restriction_and_IApplicationBuilder_gets_no_fix()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.Extensions.DependencyInjection;

            public class Startup
            {
                public void ConfigureServices(IServiceCollection services) => services.AddSession();

                public void Configure(IApplicationBuilder app)
                {
                    var options = new WebSocketOptions();
                    options.AllowedOrigins.Add("*");
                    {|#0:app.UseWebSockets(options)|};
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net80, Web);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithArguments(UseWithCookies));
        await test.RunAsync();
    }

    [Fact]
    public async Task HttpListener_accept_without_origin_check_is_info()
    {
        const string source = """
            using System.Net;
            using System.Threading.Tasks;

            class Server
            {
                async Task AcceptAsync(HttpListenerContext context)
                {
                    var webSocketContext = await {|#0:context.AcceptWebSocketAsync(null)|};
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, ProjectReferences.None,
            Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0)
                .WithArguments("This WebSocket is accepted without checking the Origin header: any web site can open this socket from a visitor's browser"));
    }

    [Theory]
    [InlineData("""
        // An explicit allow-list.
        using Microsoft.AspNetCore.Builder;
        static class P
        {
            public static void Configure(WebApplication app)
            {
                var options = new WebSocketOptions();
                options.AllowedOrigins.Add("https://app.example.com");
                app.UseWebSockets(options);
            }
        }
        """)]
    [InlineData("""
        // Allow-list in an initializer.
        using Microsoft.AspNetCore.Builder;
        static class P
        {
            public static void Configure(WebApplication app)
                => app.UseWebSockets(new WebSocketOptions { AllowedOrigins = { "https://app.example.com", "https://admin.example.com" } });
        }
        """)]
    [InlineData("""
        // Options bound from configuration.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        static class P
        {
            public static void AddServices(IServiceCollection services, IConfiguration configuration)
                => services.Configure<WebSocketOptions>(configuration.GetSection("WebSockets"));

            public static void Configure(WebApplication app) => app.UseWebSockets();
        }
        """)]
    [InlineData("""
        // Middleware that checks the Origin header.
        using System;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class P
        {
            public static void Configure(WebApplication app)
            {
                app.UseWebSockets();
                app.Use(async (context, next) =>
                {
                    if (context.WebSockets.IsWebSocketRequest && context.Request.Headers.Origin != "https://app.example.com")
                    {
                        context.Response.StatusCode = StatusCodes.Status403Forbidden;
                        return;
                    }

                    await next(context);
                });
            }
        }
        """)]
    [InlineData("""
        // HttpListener that checks Origin.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task AcceptAsync(HttpListenerContext context)
            {
                if (context.Request.Headers["Origin"] != "https://app.example.com")
                {
                    context.Response.StatusCode = 403;
                    context.Response.Close();
                    return;
                }

                var webSocketContext = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // A client: nothing is accepted.
        using System;
        using System.Net.WebSockets;
        using System.Threading.Tasks;
        static class Client
        {
            public static async Task ConnectAsync(Uri uri)
            {
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(uri, default);
            }
        }
        """)]
    public async Task Restricted_origins_or_no_server_is_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web);
    }

    // The runtime refuses every origin outside its allow-list, which is empty by default: using it is a restriction.
    [Theory]
    [InlineData("""
        // MapWebSocket with the default (empty) allow-list, next to UseWebSockets.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;
        static class P
        {
            public static void Configure(WebApplicationBuilder builder)
            {
                builder.Services.AddSession();
                builder.Services.AddWebSocketGuard();
                var app = builder.Build();
                app.UseWebSockets();
                app.MapWebSocket("/ws", connection => connection.Sender.SendTextAsync("hi").AsTask());
            }
        }
        """)]
    [InlineData("""
        // Middleware accepting through WebSocketAccept.
        using Microsoft.AspNetCore.Builder;
        using WebSocketGuard.AspNetCore;
        static class P
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

                    var connection = await WebSocketAccept.AcceptAsync(context);
                    if (connection is null)
                    {
                        return;
                    }

                    await connection.DisposeAsync();
                });
            }
        }
        """)]
    [InlineData("""
        // Startup: services from AddWebSocketGuard, UseWebSockets in Configure.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.Configuration;
        using Microsoft.Extensions.DependencyInjection;
        using WebSocketGuard.AspNetCore;
        public class Startup(IConfiguration configuration)
        {
            public void ConfigureServices(IServiceCollection services) => services.AddWebSocketGuard(configuration);

            public void Configure(IApplicationBuilder app) => app.UseWebSockets();
        }
        """)]
    public async Task Accepting_through_the_runtime_is_an_origin_restriction(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web | ProjectReferences.Runtime);
    }

    [Fact]
    public async Task A_look_alike_MapWebSocket_without_the_runtime_is_no_restriction()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Routing;
            static class OwnExtensions
            {
                public static void MapWebSocket(this IEndpointRouteBuilder endpoints, string pattern, RequestDelegate handler) => endpoints.Map(pattern, handler);
            }

            static class P
            {
                public static void Configure(WebApplication app)
                {
                    {|#0:app.UseWebSockets()|};
                    app.MapWebSocket("/ws", async context => await context.WebSockets.AcceptWebSocketAsync());
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithArguments(UseWithoutCookies));
        await test.RunAsync();
    }
}
