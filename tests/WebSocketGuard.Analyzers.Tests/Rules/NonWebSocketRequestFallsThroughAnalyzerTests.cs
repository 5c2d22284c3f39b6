using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.NonWebSocketRequestFallsThroughAnalyzer,
    WebSocketGuard.CodeFixes.NonWebSocketRequestFallsThroughCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

public class NonWebSocketRequestFallsThroughAnalyzerTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;

    private static DiagnosticResult FallThrough(int location) => Verify.Diagnostic().WithLocation(location)
        .WithArguments("This branch handles a non-WebSocket request but does not leave, so AcceptWebSocketAsync still runs for it");

    private static DiagnosticResult Order(int location) => Verify.Diagnostic().WithLocation(location)
        .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
        .WithArguments("UseWebSockets is registered after middleware that accepts WebSockets, which therefore never sees an upgrade request; register it first");

    [Theory]
    [InlineData(TargetFramework.Net80)]
    [InlineData(TargetFramework.Net100)]
    public async Task Minimal_api_branch_without_return_is_reported_and_fixed(TargetFramework framework)
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class ChatEndpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        if ({|#0:!context.WebSockets.IsWebSocketRequest|})
                        {
                            context.Response.StatusCode = StatusCodes.Status400BadRequest;
                        }

                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    });
                }
            }
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            static class ChatEndpoints
            {
                public static void Map(WebApplication app)
                {
                    app.Map("/ws", async (HttpContext context) =>
                    {
                        if (!context.WebSockets.IsWebSocketRequest)
                        {
                            context.Response.StatusCode = StatusCodes.Status400BadRequest;
                            return;
                        }

                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    });
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, framework, Web, FallThrough(0));
    }

    [Fact]
    public async Task Middleware_that_calls_next_and_falls_through_is_reported_and_fixed()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if ({|#0:context.WebSockets.IsWebSocketRequest == false|})
                        await _next(context);

                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    socket.Dispose();
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            public sealed class EchoMiddleware
            {
                private readonly RequestDelegate _next;

                public EchoMiddleware(RequestDelegate next) => _next = next;

                public async Task InvokeAsync(HttpContext context)
                {
                    if (context.WebSockets.IsWebSocketRequest == false)
                    {
                        await _next(context);
                        return;
                    }

                    var socket = await context.WebSockets.AcceptWebSocketAsync();
                    socket.Dispose();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net100, Web, FallThrough(0));
    }

    [Fact]
    public async Task HttpListener_loop_gets_continue_not_return()
    {
        const string source = """
            using System.Net;
            using System.Threading.Tasks;

            class Server
            {
                async Task RunAsync(HttpListener listener)
                {
                    while (listener.IsListening)
                    {
                        var context = await listener.GetContextAsync();
                        if ({|#0:!context.Request.IsWebSocketRequest|})
                        {
                            context.Response.StatusCode = 400;
                            context.Response.Close();
                        }

                        var webSocketContext = await context.AcceptWebSocketAsync(subProtocol: null);
                        _ = webSocketContext.WebSocket;
                    }
                }
            }
            """;
        const string fixedSource = """
            using System.Net;
            using System.Threading.Tasks;

            class Server
            {
                async Task RunAsync(HttpListener listener)
                {
                    while (listener.IsListening)
                    {
                        var context = await listener.GetContextAsync();
                        if (!context.Request.IsWebSocketRequest)
                        {
                            context.Response.StatusCode = 400;
                            context.Response.Close();
                            continue;
                        }

                        var webSocketContext = await context.AcceptWebSocketAsync(subProtocol: null);
                        _ = webSocketContext.WebSocket;
                    }
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net80, ProjectReferences.None, FallThrough(0));
    }

    [Fact]
    public async Task Controller_action_is_reported()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Mvc;

            public class FeedController : ControllerBase
            {
                [Route("/feed")]
                public async Task Get()
                {
                    if ({|#0:HttpContext.WebSockets.IsWebSocketRequest is false|})
                    {
                        HttpContext.Response.StatusCode = 400;
                    }

                    using var socket = await HttpContext.WebSockets.AcceptWebSocketAsync();
                }
            }
            """;

        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web, FallThrough(0));
    }

    [Fact]
    public async Task Accept_behind_a_value_returning_async_method_is_reported_without_a_fix()
    {
        const string source = """
            using System.Net.WebSockets;
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class Upgrade
            {
                public static async Task<WebSocket> AcceptAsync(HttpContext context)
                {
                    if ({|#0:!context.WebSockets.IsWebSocketRequest|})
                    {
                        context.Response.StatusCode = 400;
                    }

                    return await context.WebSockets.AcceptWebSocketAsync();
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(FallThrough(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task UseWebSockets_after_accepting_middleware_is_moved_first()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();

            app.Use(async (context, next) =>
            {
                if (context.WebSockets.IsWebSocketRequest)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    return;
                }

                await next(context);
            });
            {|#0:app.UseWebSockets()|};

            app.Run();
            """;
        const string fixedSource = """
            using Microsoft.AspNetCore.Builder;

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.UseWebSockets();

            app.Use(async (context, next) =>
            {
                if (context.WebSockets.IsWebSocketRequest)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    return;
                }

                await next(context);
            });

            app.Run();
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(Order(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Startup_with_UseMiddleware_before_UseWebSockets_is_reported_and_fixed()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            public sealed class SocketMiddleware
            {
                private readonly RequestDelegate _next;

                public SocketMiddleware(RequestDelegate next) => _next = next;

                public async Task Invoke(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }
            }

            public class Startup
            {
                public void Configure(IApplicationBuilder app)
                {
                    app.UseRouting();
                    app.UseMiddleware<SocketMiddleware>();
                    {|#0:app.UseWebSockets()|};
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;

            public sealed class SocketMiddleware
            {
                private readonly RequestDelegate _next;

                public SocketMiddleware(RequestDelegate next) => _next = next;

                public async Task Invoke(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await _next(context);
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }
            }

            public class Startup
            {
                public void Configure(IApplicationBuilder app)
                {
                    app.UseRouting();
                    app.UseWebSockets();
                    app.UseMiddleware<SocketMiddleware>();
                }
            }
            """;

        await Verify.VerifyCodeFixAsync(source, fixedSource, TargetFramework.Net80, Web, Order(0));
    }

    [Fact]
    public async Task Fix_all_adds_every_missing_return()
    {
        const string source = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class Handlers
            {
                public static async Task ChatAsync(HttpContext context)
                {
                    if ({|#0:!context.WebSockets.IsWebSocketRequest|})
                    {
                        context.Response.StatusCode = 400;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task FeedAsync(HttpContext context)
                {
                    if ({|#1:!context.WebSockets.IsWebSocketRequest|})
                    {
                        await context.Response.WriteAsync("WebSocket only");
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync("feed.v1");
                }
            }
            """;
        const string fixedSource = """
            using System.Threading.Tasks;
            using Microsoft.AspNetCore.Http;

            static class Handlers
            {
                public static async Task ChatAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        context.Response.StatusCode = 400;
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }

                public static async Task FeedAsync(HttpContext context)
                {
                    if (!context.WebSockets.IsWebSocketRequest)
                    {
                        await context.Response.WriteAsync("WebSocket only");
                        return;
                    }

                    using var socket = await context.WebSockets.AcceptWebSocketAsync("feed.v1");
                }
            }
            """;

        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.Add(FallThrough(0));
        test.ExpectedDiagnostics.Add(FallThrough(1));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""
        // The branch returns.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            }
        }
        """)]
    [InlineData("""
        // Accept in the positive branch, rejection in else.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                if (context.WebSockets.IsWebSocketRequest)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }
                else
                {
                    context.Response.StatusCode = 400;
                }
            }
        }
        """)]
    [InlineData("""
        // The branch throws.
        using System;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    throw new InvalidOperationException("WebSocket only");
                }

                using var socket = await context.WebSockets.AcceptWebSocketAsync();
            }
        }
        """)]
    [InlineData("""
        // A log line first, then the accept behind its own check.
        using System;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static async Task HandleAsync(HttpContext context)
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    Console.WriteLine("plain request");
                }

                if (context.WebSockets.IsWebSocketRequest)
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                }
            }
        }
        """)]
    [InlineData("""
        // Listener loop that continues.
        using System.Net;
        using System.Threading.Tasks;
        class Server
        {
            async Task RunAsync(HttpListener listener)
            {
                while (true)
                {
                    var context = await listener.GetContextAsync();
                    if (!context.Request.IsWebSocketRequest)
                    {
                        context.Response.StatusCode = 400;
                        context.Response.Close();
                        continue;
                    }

                    var ws = await context.AcceptWebSocketAsync(null);
                }
            }
        }
        """)]
    [InlineData("""
        // UseWebSockets first; endpoints mapped before it still run after all middleware.
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;
        static class Pipeline
        {
            public static void Configure(WebApplication app)
            {
                app.MapGet("/ws", async (HttpContext context) =>
                {
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                });
                app.UseWebSockets();
                app.Use(async (context, next) =>
                {
                    if (context.WebSockets.IsWebSocketRequest)
                    {
                        using var socket = await context.WebSockets.AcceptWebSocketAsync();
                        return;
                    }

                    await next(context);
                });
            }
        }
        """)]
    [InlineData("""
        // Middleware that does not accept, registered before UseWebSockets.
        using Microsoft.AspNetCore.Builder;
        static class Pipeline
        {
            public static void Configure(IApplicationBuilder app)
            {
                app.Use(async (context, next) =>
                {
                    context.Response.Headers["X-Frame-Options"] = "DENY";
                    await next(context);
                });
                app.UseWebSockets();
            }
        }
        """)]
    [InlineData("""
        // Nothing is accepted after the branch.
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;
        static class H
        {
            public static Task HandleAsync(HttpContext context, RequestDelegate next)
            {
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    context.Items["plain"] = true;
                }

                return next(context);
            }
        }
        """)]
    public async Task Correct_code_is_silent(string source)
    {
        await Verify.VerifyAnalyzerAsync(source, TargetFramework.Net100, Web);
    }
}
