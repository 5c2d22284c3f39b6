using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Fix = WebSocketGuard.CodeFixes.UnauthenticatedAcceptCodeFix;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.UnauthenticatedAcceptAnalyzer,
    WebSocketGuard.CodeFixes.UnauthenticatedAcceptCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class UnauthenticatedAcceptAnalyzerTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;
    private const ProjectReferences WebRuntime = ProjectReferences.AspNetCore | ProjectReferences.Runtime;

    private static DiagnosticResult Endpoint(int location) => Verify.Diagnostic().WithLocation(location)
        .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
        .WithArguments("the endpoint has no RequireAuthorization() or [Authorize]");

    private static DiagnosticResult Middleware(int location) => Verify.Diagnostic().WithLocation(location)
        .WithArguments("the middleware does not check the user before accepting");

    [Fact]
    public async Task Socket_handed_to_a_method_that_authenticates_in_the_protocol_is_silent_but_a_plain_echo_is_not()
    {
        const string source = """
            using System;
            using System.Net.WebSockets;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class HubMiddleware
            {
                private readonly RequestDelegate _next;

                public HubMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    await RunSessionAsync(socket, context.RequestAborted);
                }

                // The first message must carry the access token, as in Home Assistant's protocol.
                private static async Task RunSessionAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    var buffer = new byte[4096];
                    var hello = await socket.ReceiveAsync(buffer, cancellationToken);
                    var accessToken = Encoding.UTF8.GetString(buffer, 0, hello.Count);
                    if (accessToken != Environment.GetEnvironmentVariable("HUB_SECRET"))
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "auth_invalid", cancellationToken);
                    }
                }
            }

            public sealed class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                    await EchoAsync(socket, context.RequestAborted);
                }

                private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
                {
                    var buffer = new byte[4096];
                    var result = await socket.ReceiveAsync(buffer, cancellationToken);
                    await socket.SendAsync(new ArraySegment<byte>(buffer, 0, result.Count), result.MessageType, result.EndOfMessage, cancellationToken);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.ExpectedDiagnostics.Add(Middleware(0));
        await test.RunAsync();
    }

    private static DiagnosticResult DelegatedHandler(int location, string handler) => Verify.Diagnostic().WithLocation(location)
        .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
        .WithArguments($"the endpoint has no RequireAuthorization() or [Authorize], and its handler '{handler}' accepts without checking the user");

    [Fact]
    public async Task Endpoint_handing_its_context_to_a_method_that_accepts_is_reported_at_the_handler_and_fixed()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/ws", {|#0:EchoHandler.RunAsync|});
            app.Map("/feed", context => {|#1:EchoHandler.FeedAsync(context, 5)|});

            app.Run();

            static class EchoHandler
            {
                public static async Task RunAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        context.Response.StatusCode = 400;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task FeedAsync(HttpContext context, int rate)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    await Task.Delay(rate);
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/ws", EchoHandler.RunAsync).RequireAuthorization();
            app.Map("/feed", context => EchoHandler.FeedAsync(context, 5)).RequireAuthorization();

            app.Run();

            static class EchoHandler
            {
                public static async Task RunAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        context.Response.StatusCode = 400;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task FeedAsync(HttpContext context, int rate)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    await Task.Delay(rate);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(DelegatedHandler(0, "RunAsync"));
        test.ExpectedDiagnostics.Add(DelegatedHandler(1, "FeedAsync"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Delegated_handlers_that_check_the_user_or_sit_behind_authorization_are_silent()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/checked", Handlers.CheckedAsync);
            app.Map("/token", Handlers.TokenAsync);
            app.Map("/attributed", Handlers.AttributedAsync);
            app.Map("/required", Handlers.OpenAsync).RequireAuthorization();
            app.Map("/anonymous", Handlers.OpenAsync).AllowAnonymous();
            app.Map("/health", context => Handlers.HealthAsync(context));
            app.MapGroup("/secure").RequireAuthorization().Map("/ws", Handlers.OpenAsync);

            app.Run();

            static class Handlers
            {
                public static async Task CheckedAsync(HttpContext context)
                {
                    if (context.User.Identity?.IsAuthenticated != true)
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task TokenAsync(HttpContext context)
                {
                    if (!TokenValidator.IsValid(context.Request.Query["access_token"]))
                    {
                        context.Response.StatusCode = 401;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                [Authorize]
                public static async Task AttributedAsync(HttpContext context)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task OpenAsync(HttpContext context)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static Task HealthAsync(HttpContext context) => context.Response.WriteAsync("ok");
            }

            static class TokenValidator
            {
                public static bool IsValid(string? token) => token == "secret";
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Minimal_api_endpoint_gets_RequireAuthorization(TargetFramework framework)
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
            });

            app.Run();
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            }).RequireAuthorization();

            app.Run();
            """;

        var test = Verify.Create(framework, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Endpoint_on_an_unprotected_group_and_under_UseEndpoints_is_reported()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void MapChat(WebApplication app)
                {
                    var chat = app.MapGroup("/chat").WithTags("chat");
                    chat.MapGet("/ws", async (HttpContext context) =>
                    {
                        using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                    }).WithName("chat-socket");
                }

                public static void Configure(IApplicationBuilder app)
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.Map("/feed", async context =>
                    {
                        using var socket = await {|#1:context.WebSockets.AcceptWebSocketAsync()|};
                    }));
                }
            }
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void MapChat(WebApplication app)
                {
                    var chat = app.MapGroup("/chat").WithTags("chat");
                    chat.MapGet("/ws", async (HttpContext context) =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    }).WithName("chat-socket").RequireAuthorization();
                }

                public static void Configure(IApplicationBuilder app)
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.Map("/feed", async context =>
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    }).RequireAuthorization());
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        test.ExpectedDiagnostics.Add(Endpoint(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Middleware_lambda_gets_a_401_guard()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;

            static class Pipeline
            {
                public static void Configure(WebApplication app)
                {
                    app.UseAuthentication();
                    app.UseAuthorization();
                    app.UseWebSockets();
                    app.Use(async (context, next) =>
                    {
                        if (context.Request.Path == "/ws" && context.WebSockets.IsWebSocketRequest)
                        {
                            using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                            return;
                        }

                        await next(context);
                    });
                }
            }
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Pipeline
            {
                public static void Configure(WebApplication app)
                {
                    app.UseAuthentication();
                    app.UseAuthorization();
                    app.UseWebSockets();
                    app.Use(async (context, next) =>
                    {
                        if (context.Request.Path == "/ws" && context.WebSockets.IsWebSocketRequest)
                        {
                            if (context.User.Identity?.IsAuthenticated != true)
                            {
                                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                                return;
                            }

                            using var socket = await context.WebSockets.AcceptWebSocketAsync();
                            return;
                        }

                        await next(context);
                    });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net80, Web, Middleware(0));
    }

    [Fact]
    public async Task Fix_all_guards_every_middleware_class()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                }
            }

            public sealed class FeedMiddleware : IMiddleware
            {
                public async Task InvokeAsync(HttpContext httpContext, RequestDelegate next)
                {
                    if (httpContext.WebSockets.IsWebSocketRequest)
                    {
                        var socket = await {|#1:httpContext.WebSockets.AcceptWebSocketAsync("feed.v1")|};
                        socket.Dispose();
                    }
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    if (context.User.Identity?.IsAuthenticated != true)
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }
            }

            public sealed class FeedMiddleware : IMiddleware
            {
                public async Task InvokeAsync(HttpContext httpContext, RequestDelegate next)
                {
                    if (httpContext.WebSockets.IsWebSocketRequest)
                    {
                        if (httpContext.User.Identity?.IsAuthenticated != true)
                        {
                            httpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
                            return;
                        }

                        var socket = await httpContext.WebSockets.AcceptWebSocketAsync("feed.v1");
                        socket.Dispose();
                    }
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Middleware(0));
        test.ExpectedDiagnostics.Add(Middleware(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Controller_action_gets_Authorize()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;

            [ApiController]
            public class TickerController : ControllerBase
            {
                [HttpGet("/ticker")]
                public async Task Get()
                {
                    if (HttpContext.WebSockets.IsWebSocketRequest)
                    {
                        using var socket = await {|#0:HttpContext.WebSockets.AcceptWebSocketAsync()|};
                    }
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.AspNetCore.Mvc;

            [ApiController]
            public class TickerController : ControllerBase
            {
                [HttpGet("/ticker")]
                [Authorize]
                public async Task Get()
                {
                    if (HttpContext.WebSockets.IsWebSocketRequest)
                    {
                        using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
                    }
                }
            }
            """;

        var expected = Verify.Diagnostic().WithLocation(0).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
            .WithArguments("neither the action nor its controller has [Authorize]");
        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, Web, expected);
    }

    [Fact]
    public async Task HttpListener_without_authentication_is_reported_without_a_fix()
    {
        const string source = """
            using System.Net;
            using System.Threading.Tasks;

            class Server
            {
                async Task RunAsync()
                {
                    using var listener = new HttpListener();
                    listener.Prefixes.Add("http://+:8080/ws/");
                    listener.Start();
                    while (true)
                    {
                        var context = await listener.GetContextAsync();
                        var webSocketContext = await {|#0:context.AcceptWebSocketAsync(subProtocol: null)|};
                        _ = webSocketContext.WebSocket;
                    }
                }
            }
            """;

        var expected = Verify.Diagnostic().WithLocation(0)
            .WithArguments("the listener has no AuthenticationSchemes and the handler checks no user or token first");
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net80, ProjectReferences.None, expected);
    }

    [Theory]
    [InlineData("""
        // RequireAuthorization on the chain.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class E
        {
            public static void Map(WebApplication app)
                => app.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); })
                      .WithName("ws")
                      .RequireAuthorization("chat-users");
        }
        """)]
    [InlineData("""
        // [Authorize] on the lambda.
        using Microsoft.AspNetCore.Authorization;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class E
        {
            public static void Map(WebApplication app)
                => app.MapGet("/ws", [Authorize] async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
        }
        """)]
    [InlineData("""
        // An explicit AllowAnonymous is a decision.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class E
        {
            public static void Map(WebApplication app)
                => app.Map("/public-ticker", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); }).AllowAnonymous();
        }
        """)]
    [InlineData("""
        // A group that requires authorization, configured before or after.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class E
        {
            public static void Map(WebApplication app)
            {
                var secure = app.MapGroup("/secure").RequireAuthorization();
                secure.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });

                var admin = app.MapGroup("/admin");
                admin.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
                admin.RequireAuthorization("admins");
            }
        }
        """)]
    [InlineData("""
        // A group handed in by the caller may carry its own policy.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        using Microsoft.AspNetCore.Routing;
        static class E
        {
            public static RouteGroupBuilder MapSockets(this RouteGroupBuilder group)
            {
                group.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
                return group;
            }

            public static IEndpointConventionBuilder MapFeed(this IEndpointRouteBuilder endpoints)
                => endpoints.Map("/feed", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
        }
        """)]
    [InlineData("""
        // Middleware that checks the user first.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        public sealed class ChatMiddleware(RequestDelegate next)
        {
            public async Task InvokeAsync(HttpContext context)
            {
                if (!context.WebSockets.IsWebSocketRequest) { await next(context); return; }
                if (context.User.Identity is not { IsAuthenticated: true })
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            }
        }
        """)]
    [InlineData("""
        // A custom token check that answers 401.
        using Microsoft.AspNetCore.Builder;
        static class Pipeline
        {
            public static void Configure(WebApplication app, System.Func<string, bool> isValid)
            {
                app.Use(async (context, next) =>
                {
                    if (!context.WebSockets.IsWebSocketRequest) { await next(context); return; }
                    var key = context.Request.Query["key"].ToString();
                    if (!isValid(key))
                    {
                        context.Response.StatusCode = 401;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                });
            }
        }
        """)]
    [InlineData("""
        // An earlier middleware in the same pipeline rejects anonymous callers.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class Pipeline
        {
            public static void Configure(WebApplication app)
            {
                app.UseMiddleware<ApiKeyMiddleware>();
                app.Use(async (context, next) =>
                {
                    if (context.User.Identity?.IsAuthenticated != true) { context.Response.StatusCode = 401; return; }
                    await next(context);
                });
                app.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
                app.Run(async context => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
            }
        }
        sealed class ApiKeyMiddleware(RequestDelegate next)
        {
            public System.Threading.Tasks.Task InvokeAsync(HttpContext context) => next(context);
        }
        """)]
    [InlineData("""
        // AuthenticateAsync before the accept.
        using Microsoft.AspNetCore.Authentication;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class E
        {
            public static void Map(WebApplication app)
                => app.Map("/ws", async (HttpContext context) =>
                {
                    var result = await context.AuthenticateAsync("Bearer");
                    if (!result.Succeeded) { await context.ChallengeAsync("Bearer"); return; }
                    using var s = await context.WebSockets.AcceptWebSocketAsync();
                });
        }
        """)]
    [InlineData("""
        // [Authorize] on the controller; [AllowAnonymous] on an action.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Authorization;
        using Microsoft.AspNetCore.Mvc;
        [Authorize]
        public class ChatController : ControllerBase
        {
            [HttpGet("/chat")]
            public async Task Get() { using var s = await HttpContext.WebSockets.AcceptWebSocketAsync(); }
        }
        public class StatusController : ControllerBase
        {
            [AllowAnonymous, HttpGet("/status")]
            public async Task Get() { using var s = await HttpContext.WebSockets.AcceptWebSocketAsync(); }
        }
        """)]
    [InlineData("""
        // HttpListener that authenticates.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                listener.AuthenticationSchemes = AuthenticationSchemes.Negotiate;
                var context = await listener.GetContextAsync();
                var ws = await context.AcceptWebSocketAsync(null);
            }
        }
        """)]
    [InlineData("""
        // A handler method registered elsewhere: its registration decides.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class Handlers
        {
            public static async Task ChatAsync(HttpContext context)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            }
        }
        """)]
    public async Task Authenticated_or_deliberately_anonymous_code_is_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web);
    }

    [Fact]
    public async Task Fallback_policy_in_another_file_covers_every_endpoint()
    {
        const string endpoints = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            static class Endpoints
            {
                public static void Map(WebApplication app)
                    => app.Map("/ws", async (HttpContext context) => { using var s = await context.WebSockets.AcceptWebSocketAsync(); });
            }
            """;
        const string services = """
            using Microsoft.AspNetCore.Authorization;
            using Microsoft.Extensions.DependencyInjection;
            static class Services
            {
                public static void Add(IServiceCollection services)
                    => services.AddAuthorization(options => options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.Sources.Add(endpoints);
        test.TestState.Sources.Add(services);
        await test.RunAsync();
    }

    [Fact]
    public async Task Global_AuthorizeFilter_covers_controllers()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.AspNetCore.Mvc.Authorization;
            using Microsoft.Extensions.DependencyInjection;
            static class Services
            {
                public static void Add(IServiceCollection services)
                    => services.AddControllers(options => options.Filters.Add(new AuthorizeFilter()));
            }
            public class ChatController : ControllerBase
            {
                [HttpGet("/chat")]
                public async Task Get() { using var s = await HttpContext.WebSockets.AcceptWebSocketAsync(); }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web);
    }

    [Fact]
    public async Task Runtime_accepts_require_a_user_themselves_but_do_not_cover_a_raw_accept_next_to_them()
    {
        // MapWebSocket and WebSocketAccept refuse anonymous users unless AllowAnonymous is set.
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;
            using WebSocketGuard.AspNetCore;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.MapWebSocket("/chat", connection => connection.Sender.SendTextAsync("hi").AsTask());
                    app.MapWebSocket("/public", connection => connection.Sender.SendTextAsync("hi").AsTask(), o => o.AllowAnonymous = true);
                    app.Use(async (context, next) =>
                    {
                        await using var connection = await WebSocketAccept.AcceptAsync(context);
                        if (connection is null)
                        {
                            await next(context);
                        }
                    });

                    app.Map("/legacy", async (HttpContext context) =>
                    {
                        using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                    });
                }
            }

            public class StreamController : ControllerBase
            {
                [HttpGet("/stream")]
                public async Task Get()
                {
                    await using var connection = await WebSocketAccept.AcceptAsync(HttpContext);
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web | ProjectReferences.Runtime, Endpoint(0));
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_maps_a_guarded_endpoint_with_MapWebSocket_and_registers_the_runtime(TargetFramework framework)
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                // One echo session per connection.
                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                await Echo.RunAsync(socket, context.Request.Query["room"], context.RequestAborted);
            }).WithName("echo");

            app.Run();

            static class Echo
            {
                public static Task RunAsync(WebSocket socket, string? room, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();
            app.UseWebSockets();

            app.MapWebSocket("/ws", async connection =>
            {
                // One echo session per connection.
                var socket = connection.Socket;
                await Echo.RunAsync(socket, connection.HttpContext.Request.Query["room"], connection.Aborted);
            }).WithName("echo");

            app.Run();

            static class Echo
            {
                public static Task RunAsync(WebSocket socket, string? room, CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """;

        var test = Verify.Create(framework, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.MapWebSocketEquivalenceKey;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_maps_the_accepting_branch_of_an_if_else_and_keeps_an_existing_registration()
    {
        const string endpoints = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class ChatEndpoints
            {
                public static void MapChat(WebApplication app)
                {
                    app.MapGet("/chat", async context =>
                    {
                        if (context.WebSockets.IsWebSocketRequest)
                        {
                            var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                        }
                        else
                        {
                            context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        }
                    });
                }
            }
            """;
        const string fixedEndpoints = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            static class ChatEndpoints
            {
                public static void MapChat(WebApplication app)
                {
                    app.MapWebSocket("/chat", async connection =>
                    {
                        var socket = connection.Socket;
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", connection.Aborted);
                    });
                }
            }
            """;
        const string services = """
            using Microsoft.Extensions.DependencyInjection;
            using WebSocketGuard.AspNetCore;

            static class Services
            {
                public static void Add(IServiceCollection services) => services.AddWebSocketGuard();
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.Sources.Add(endpoints);
        test.TestState.Sources.Add(services);
        test.FixedState.Sources.Add(fixedEndpoints);
        test.FixedState.Sources.Add(services);
        test.CodeActionEquivalenceKey = Fix.MapWebSocketEquivalenceKey;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        await test.RunAsync();
    }

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Runtime_fix_accepts_inside_a_middleware_class_with_WebSocketAccept(TargetFramework framework)
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();
            app.UseMiddleware<ChatMiddleware>();
            app.Run();

            public sealed class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                }
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();
            app.UseWebSockets();
            app.UseMiddleware<ChatMiddleware>();
            app.Run();

            public sealed class ChatMiddleware
            {
                private readonly RequestDelegate _next;

                public ChatMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    await using var connection = await WebSocketAccept.AcceptAsync(context);
                    if (connection is null)
                    {
                        return;
                    }

                    var socket = connection.Socket;
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                }
            }
            """;

        var test = Verify.Create(framework, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.WebSocketAcceptEquivalenceKey;
        test.ExpectedDiagnostics.Add(Middleware(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_maps_every_endpoint_and_registers_the_runtime_once()
    {
        const string source = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();

            app.Map("/chat", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }

                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
            });

            app.MapGet("/feed", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var feed = await {|#1:context.WebSockets.AcceptWebSocketAsync()|};
                await feed.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, default);
            });

            app.Run();
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();

            app.MapWebSocket("/chat", async connection =>
            {
                var socket = connection.Socket;
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, connection.Aborted);
            });

            app.MapWebSocket("/feed", async connection =>
            {
                var feed = connection.Socket;
                await feed.SendAsync(new byte[] { 1 }, WebSocketMessageType.Binary, true, default);
            });

            app.Run();
            """;

        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.MapWebSocketEquivalenceKey;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        test.ExpectedDiagnostics.Add(Endpoint(1));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_all_accepts_with_WebSocketAccept_in_middleware_and_controllers()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddControllers();
            var app = builder.Build();
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/ws" && context.WebSockets.IsWebSocketRequest)
                {
                    using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await next(context);
            });
            app.MapControllers();
            app.Run();

            public class TickerController : ControllerBase
            {
                [HttpGet("/ticker")]
                public async Task Get()
                {
                    var ticker = await {|#1:HttpContext.WebSockets.AcceptWebSocketAsync()|};
                    await Task.Delay(10);
                }
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.Extensions.DependencyInjection;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddControllers();
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();
            app.Use(async (context, next) =>
            {
                if (context.Request.Path == "/ws" && context.WebSockets.IsWebSocketRequest)
                {
                    await using var connection = await WebSocketAccept.AcceptAsync(context);
                    if (connection is null)
                    {
                        return;
                    }

                    var socket = connection.Socket;
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await next(context);
            });
            app.MapControllers();
            app.Run();

            public class TickerController : ControllerBase
            {
                [HttpGet("/ticker")]
                public async Task Get()
                {
                    await using var connection = await WebSocketAccept.AcceptAsync(HttpContext);
                    if (connection is null)
                    {
                        return;
                    }

                    await Task.Delay(10);
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.WebSocketAcceptEquivalenceKey;
        test.ExpectedDiagnostics.Add(Middleware(0));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic().WithLocation(1).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
            .WithArguments("neither the action nor its controller has [Authorize]"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_registers_the_runtime_in_a_Main_method_and_accepts_in_a_middleware_lambda()
    {
        const string source = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;

            public static class Program
            {
                public static void Main(string[] args)
                {
                    var builder = WebApplication.CreateBuilder(args);
                    var app = builder.Build();
                    app.Use(async (context, next) =>
                    {
                        if (!context.WebSockets.IsWebSocketRequest)
                        {
                            await next(context);
                            return;
                        }

                        var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    });
                    app.Run();
                }
            }
            """;
        const string fixedSource = """
            using System.Net.WebSockets;
            using Microsoft.AspNetCore.Builder;
            using WebSocketGuard.AspNetCore;

            public static class Program
            {
                public static void Main(string[] args)
                {
                    var builder = WebApplication.CreateBuilder(args);
                    builder.Services.AddWebSocketGuard(builder.Configuration);
                    var app = builder.Build();
                    app.Use(async (context, next) =>
                    {
                        if (!context.WebSockets.IsWebSocketRequest)
                        {
                            await next(context);
                            return;
                        }

                        await using var connection = await WebSocketAccept.AcceptAsync(context);
                        if (connection is null)
                        {
                            return;
                        }

                        var socket = connection.Socket;
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    });
                    app.Run();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net80, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.WebSocketAcceptEquivalenceKey;
        test.ExpectedDiagnostics.Add(Middleware(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_accepts_with_WebSocketAccept_in_an_endpoint_MapWebSocket_cannot_express()
    {
        // A route parameter has no place in MapWebSocket's handler; the accept inside it still maps exactly.
        // 'connection' is taken, so the connection gets another name.
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();
            app.Map("/rooms/{room}", async (string room, HttpContext context) =>
            {
                var connection = context.Connection.RemoteIpAddress;
                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, $"{room} {connection}", default);
            });
            app.Run();
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using WebSocketGuard.AspNetCore;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddWebSocketGuard(builder.Configuration);
            var app = builder.Build();
            app.Map("/rooms/{room}", async (string room, HttpContext context) =>
            {
                var connection = context.Connection.RemoteIpAddress;
                await using var webSocketConnection = await WebSocketAccept.AcceptAsync(context);
                if (webSocketConnection is null)
                {
                    return;
                }

                var socket = webSocketConnection.Socket;
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, $"{room} {connection}", default);
            });
            app.Run();
            """;

        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.CodeActionEquivalenceKey = Fix.WebSocketAcceptEquivalenceKey;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        await test.RunAsync();
    }

    [Theory]
    [InlineData(Fix.MapWebSocketEquivalenceKey)]
    [InlineData(Fix.WebSocketAcceptEquivalenceKey)]
    public async Task Runtime_fix_is_not_offered_for_a_subprotocol_accept(string key)
    {
        // The runtime's accept negotiates no subprotocol: the client asking for "chat.v1" would be refused.
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync("chat.v1")|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
            });
            app.Run();
            """;

        await VerifyRuntimeFixNotOfferedAsync(source, key, Endpoint(0), OutputKind.ConsoleApplication);
    }

    [Theory]
    [InlineData(Fix.MapWebSocketEquivalenceKey)]
    [InlineData(Fix.WebSocketAcceptEquivalenceKey)]
    public async Task Runtime_fix_is_not_offered_when_the_socket_is_used_after_the_handler_returns(string key)
    {
        // The pump outlives the handler; the runtime would close the socket under it when the handler returns.
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                _ = Task.Run(() => Pump.RunAsync(socket));
                await Task.Yield();
            });
            app.Run();

            static class Pump
            {
                public static Task RunAsync(WebSocket socket) => Task.CompletedTask;
            }
            """;

        await VerifyRuntimeFixNotOfferedAsync(source, key, Endpoint(0), OutputKind.ConsoleApplication);
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_where_AddWebSocketGuard_cannot_be_added()
    {
        // No AddWebSocketGuard anywhere and no WebApplicationBuilder in this file: MapWebSocket would throw at startup.
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class Endpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        if (!context.WebSockets.IsWebSocketRequest)
                        {
                            context.Response.StatusCode = 400;
                            return;
                        }

                        using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
                    });
                }
            }
            """;

        await VerifyRuntimeFixNotOfferedAsync(source, Fix.MapWebSocketEquivalenceKey, Endpoint(0));
        await VerifyRuntimeFixNotOfferedAsync(source, Fix.WebSocketAcceptEquivalenceKey, Endpoint(0));
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_as_MapWebSocket_for_handlers_it_cannot_express()
    {
        // A route parameter, a guard that answers 426 instead of 400, a chained call only a route handler has.
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Map("/rooms/{room}", async (string room, HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, room, default);
            });
            app.Map("/upgrade", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
                    return;
                }

                using var socket = await {|#1:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
            });
            app.Map("/filtered", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await {|#2:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
            }).AddEndpointFilter((invocation, next) => next(invocation));
            app.Run();
            """;

        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.MapWebSocketEquivalenceKey;
        test.ExpectedDiagnostics.AddRange(new[] { Endpoint(0), Endpoint(1), Endpoint(2) });
        test.FixedState.ExpectedDiagnostics.AddRange(new[] { Endpoint(0), Endpoint(1), Endpoint(2) });
        await test.RunAsync();
    }

    [Fact]
    public async Task Runtime_fix_is_not_offered_as_WebSocketAccept_where_returning_early_does_not_fit()
    {
        // An action that must return a result, and an accept inside a loop (returning would end the loop).
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.Mvc;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Run();

            public class TickerController : ControllerBase
            {
                [HttpGet("/ticker")]
                public async Task<IActionResult> Get()
                {
                    using var socket = await {|#0:HttpContext.WebSockets.AcceptWebSocketAsync()|};
                    await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
                    return new EmptyResult();
                }
            }
            """;

        var expected = Verify.Diagnostic().WithLocation(0).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
            .WithArguments("neither the action nor its controller has [Authorize]");
        await VerifyRuntimeFixNotOfferedAsync(source, Fix.WebSocketAcceptEquivalenceKey, expected, OutputKind.ConsoleApplication);
    }

    [Fact]
    public async Task Without_the_AspNetCore_runtime_only_the_plain_fix_is_offered()
    {
        // WebSocketGuard alone (no WebSocketGuard.AspNetCore): no MapWebSocket to call.
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Map("/ws", async (HttpContext context) =>
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await {|#0:context.WebSockets.AcceptWebSocketAsync()|};
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, default);
            });
            app.Run();
            """;

        var test = Verify.Create(TargetFramework.Net100, ProjectReferences.AspNetCore);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = Fix.MapWebSocketEquivalenceKey;
        test.ExpectedDiagnostics.Add(Endpoint(0));
        test.FixedState.ExpectedDiagnostics.Add(Endpoint(0));
        await test.RunAsync();
    }

    [Theory]
    [InlineData(Fix.MapWebSocketEquivalenceKey)]
    [InlineData(Fix.WebSocketAcceptEquivalenceKey)]
    public async Task Runtime_fix_is_not_offered_at_a_delegated_handler(string key)
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Map("/ws", {|#0:EchoHandler.RunAsync|});
            app.Run();

            static class EchoHandler
            {
                public static async Task RunAsync(HttpContext context)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    await Task.Yield();
                }
            }
            """;

        await VerifyRuntimeFixNotOfferedAsync(source, key, DelegatedHandler(0, "RunAsync"), OutputKind.ConsoleApplication);
    }

    private static async Task VerifyRuntimeFixNotOfferedAsync(string source, string key, DiagnosticResult expected, OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary)
    {
        var test = Verify.Create(TargetFramework.Net100, WebRuntime);
        test.TestState.OutputKind = outputKind;
        test.TestCode = source;
        test.FixedCode = source;
        test.CodeActionEquivalenceKey = key;
        test.ExpectedDiagnostics.Add(expected);
        test.FixedState.ExpectedDiagnostics.Add(expected);
        await test.RunAsync();
    }
}
