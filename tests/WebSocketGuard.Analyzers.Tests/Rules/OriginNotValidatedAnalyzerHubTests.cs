using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = WebSocketGuard.Analyzers.Tests.Verifier<
    WebSocketGuard.Analyzers.OriginNotValidatedAnalyzer,
    WebSocketGuard.CodeFixes.OriginNotValidatedCodeFix>;

namespace WebSocketGuard.Analyzers.Tests.Rules;

/// <summary>WSG2002 on SignalR hub endpoints: their WebSocket transport is not covered by CORS, only by WebSocketOptions.AllowedOrigins.</summary>
public class OriginNotValidatedAnalyzerHubTests
{
    private const ProjectReferences Web = ProjectReferences.AspNetCore;

    private const string HubWithCookies = "This hub accepts WebSockets from any Origin (a CORS policy does not cover them) and no WebSocketOptions.AllowedOrigins is set: with cookie authentication any web site a user visits can open this socket as that user (cross-site WebSocket hijacking)";
    private const string HubWithoutCookies = "This hub accepts WebSockets from any Origin (a CORS policy does not cover them) and no WebSocketOptions.AllowedOrigins is set: any web site can open this socket from a visitor's browser";

    private static Verifier<OriginNotValidatedAnalyzer, CodeFixes.OriginNotValidatedCodeFix>.Test App(string source)
    {
        var test = Verify.Create(TargetFramework.Net100, Web);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.TestCode = source;
        return test;
    }

    [Fact]
    public async Task Hub_behind_a_CORS_policy_only_is_reported_and_no_fix_is_offered()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            builder.Services.AddCors(o => o.AddPolicy("spa", p => p.WithOrigins("https://app.example.com").AllowCredentials()));
            var app = builder.Build();
            app.UseCors("spa");
            {|#0:app.MapHub<ChatHub>("/chat")|}.RequireCors("spa");
            app.Run();

            public class ChatHub : Hub { }
            """;

        var test = App(source);
        test.FixedCode = source;
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0).WithArguments(HubWithoutCookies));
        await test.RunAsync();
    }

    [Fact]
    public async Task Hub_in_a_cookie_app_is_a_warning()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthentication().AddCookie();
            builder.Services.AddSignalR();
            var app = builder.Build();
            {|#0:app.MapHub<ChatHub>("/chat")|}.RequireAuthorization();
            app.Run();

            public class ChatHub : Hub { }
            """;

        var test = App(source);
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Warning).WithLocation(0).WithArguments(HubWithCookies));
        await test.RunAsync();
    }

    [Fact]
    public async Task Hub_next_to_UseWebSockets_without_an_allow_list_is_reported_once_at_UseWebSockets()
    {
        const string source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();
            var app = builder.Build();
            {|#0:app.UseWebSockets()|};
            app.MapHub<ChatHub>("/chat");
            app.Run();

            public class ChatHub : Hub { }
            """;

        var test = App(source);
        test.ExpectedDiagnostics.Add(Verify.Diagnostic(DiagnosticSeverity.Info).WithLocation(0)
            .WithArguments("UseWebSockets has no AllowedOrigins: any web site can open this socket from a visitor's browser"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""
        // AllowedOrigins configured in the app's WebSocketOptions: SignalR's WebSocket middleware reads them.
        builder.Services.Configure<WebSocketOptions>(o => o.AllowedOrigins.Add("https://app.example.com"));
        var app = builder.Build();
        app.MapHub<ChatHub>("/chat");
        """)]
    [InlineData("""
        // WebSocketOptions bound from configuration.
        builder.Services.Configure<WebSocketOptions>(builder.Configuration.GetSection("WebSockets"));
        var app = builder.Build();
        app.MapHub<ChatHub>("/chat");
        """)]
    [InlineData("""
        // An Origin check in middleware ahead of the hub.
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Origin is { Count: > 0 } origin && origin != "https://app.example.com")
            {
                context.Response.StatusCode = 403;
                return;
            }

            await next(context);
        });
        app.MapHub<ChatHub>("/chat");
        """)]
    [InlineData("""
        // UseWebSockets with an allow-list ahead of the endpoints: its middleware checks Origin before the hub's.
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { AllowedOrigins = { "https://app.example.com" } });
        app.MapHub<ChatHub>("/chat");
        """)]
    [InlineData("""
        // Long polling only: no WebSocket transport.
        var app = builder.Build();
        app.MapHub<ChatHub>("/chat", o => o.Transports = HttpTransportType.LongPolling | HttpTransportType.ServerSentEvents);
        """)]
    [InlineData("""
        // Options built elsewhere: the rule cannot see which transports they allow.
        var app = builder.Build();
        app.MapHub<ChatHub>("/chat", HubSetup.Configure);
        """)]
    public async Task Hubs_with_an_Origin_restriction_or_without_WebSockets_are_silent(string body)
    {
        var source = """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.AspNetCore.SignalR;
            using Microsoft.Extensions.DependencyInjection;
            using HttpConnectionDispatcherOptions = Microsoft.AspNetCore.Http.Connections.HttpConnectionDispatcherOptions;
            using HttpTransportType = Microsoft.AspNetCore.Http.Connections.HttpTransportType;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddSignalR();

            """ + body + """

            app.Run();

            public class ChatHub : Hub { }

            static class HubSetup
            {
                public static void Configure(HttpConnectionDispatcherOptions options) => options.Transports = HttpTransportType.LongPolling;
            }
            """;

        await App(source).RunAsync();
    }
}
