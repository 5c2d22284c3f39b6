using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketGuard.AspNetCore.Tests.Infrastructure;

namespace WebSocketGuard.AspNetCore.Tests;

/// <summary>Options from configuration and code, and the argument checks.</summary>
public sealed class OptionsTests
{
    private static WebSocketEndpointOptions Resolve(IConfiguration? configuration, Action<WebSocketEndpointOptions>? configure = null, bool registerConfiguration = false)
    {
        var services = new ServiceCollection();
        if (registerConfiguration && configuration is not null)
        {
            services.AddSingleton(configuration);
            configuration = null;
        }

        services.AddWebSocketGuard(configuration, configure);
        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetService<WebSocketConnectionRegistry>());
        return provider.GetRequiredService<IOptions<WebSocketEndpointOptions>>().Value;
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["WebSockets:AllowedOrigins:0"] = "https://a.example",
        ["WebSockets:AllowedOrigins:1"] = "https://b.example:8443",
        ["WebSockets:AllowMissingOrigin"] = "true",
        ["WebSockets:AllowAnonymous"] = "true",
        ["WebSockets:MaxConnections"] = "500",
        ["WebSockets:MaxConnectionsPerUser"] = "3",
        ["WebSockets:KeepAliveInterval"] = "00:00:15",
        ["WebSockets:KeepAliveTimeout"] = "00:00:05",
        ["WebSockets:MaxMessageSize"] = "4096",
        ["WebSockets:CloseTimeout"] = "00:00:02",
        ["WebSockets:Sender:MaxQueuedMessages"] = "64",
        ["WebSockets:Sender:MaxQueuedBytes"] = "65536",
        ["WebSockets:Sender:OverflowPolicy"] = "DropOldest",
        ["WebSockets:Sender:SendTimeout"] = "00:00:03",
    };

    private static void AssertBound(WebSocketEndpointOptions o)
    {
        Assert.Equal(["https://a.example", "https://b.example:8443"], o.AllowedOrigins);
        Assert.True(o.AllowMissingOrigin);
        Assert.True(o.AllowAnonymous);
        Assert.Equal(500, o.MaxConnections);
        Assert.Equal(3, o.MaxConnectionsPerUser);
        Assert.Equal(TimeSpan.FromSeconds(15), o.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), o.KeepAliveTimeout);
        Assert.Equal(4096, o.MaxMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(2), o.CloseTimeout);
        Assert.Equal(64, o.Sender.MaxQueuedMessages);
        Assert.Equal(65536, o.Sender.MaxQueuedBytes);
        Assert.Equal(SendOverflowPolicy.DropOldest, o.Sender.OverflowPolicy);
        Assert.Equal(TimeSpan.FromSeconds(3), o.Sender.SendTimeout);
        o.Validate();
    }

    [Fact]
    public void BindsTheWebSocketsSection_FromTheGivenConfiguration() => AssertBound(Resolve(Config(Settings)));

    [Fact]
    public void BindsTheWebSocketsSection_GivenTheSectionItself() => AssertBound(Resolve(Config(Settings).GetSection("WebSockets")));

    [Fact]
    public void BindsTheWebSocketsSection_FromTheApplicationsConfiguration_WhenNoneIsGiven() =>
        AssertBound(Resolve(Config(Settings), registerConfiguration: true));

    [Fact]
    public void CodeRunsAfterConfiguration()
    {
        var o = Resolve(Config(Settings), o => o.MaxConnections = 7);
        Assert.Equal(7, o.MaxConnections);
        Assert.Equal(3, o.MaxConnectionsPerUser);
    }

    [Fact]
    public void Defaults_FailClosed()
    {
        var o = Resolve(null);
        Assert.Empty(o.AllowedOrigins);
        Assert.False(o.AllowMissingOrigin);
        Assert.False(o.AllowAnonymous);
        Assert.Equal(WebSocketEndpointOptions.DefaultMaxConnections, o.MaxConnections);
        Assert.Equal(WebSocketEndpointOptions.DefaultMaxConnectionsPerUser, o.MaxConnectionsPerUser);
        Assert.Equal(KeepAlive.DefaultInterval, o.KeepAliveInterval);
        Assert.Equal(KeepAlive.DefaultTimeout, o.KeepAliveTimeout);
        Assert.Equal(SendOverflowPolicy.DisconnectSlowConsumer, o.Sender.OverflowPolicy);
        o.Validate();
    }

    [Fact]
    public void Clone_IsIndependent()
    {
        var original = new WebSocketEndpointOptions();
        original.AllowedOrigins.Add("https://a.example");
        var copy = original.Clone();
        copy.AllowedOrigins.Add("https://b.example");
        copy.Sender.MaxQueuedMessages = 1;
        Assert.Single(original.AllowedOrigins);
        Assert.Equal(1024, original.Sender.MaxQueuedMessages);
    }

    [Theory]
    [InlineData("*", "cross-site WebSocket hijacking")]
    [InlineData("https://*.example.com", "wildcards")]
    [InlineData("app.example.com", "scheme://host")]
    [InlineData("wss://app.example.com", "http or https")]
    [InlineData("https://app.example.com/path", "no user, path")]
    [InlineData("", "empty")]
    public void BadOrigin_IsAnArgumentException(string origin, string why)
    {
        var o = new WebSocketEndpointOptions();
        o.AllowedOrigins.Add(origin);
        var ex = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains("AllowedOrigins", ex.Message);
        Assert.Contains(why, ex.Message);
    }

    public static TheoryData<Action<WebSocketEndpointOptions>, string> BadValues() => new()
    {
        { o => o.MaxConnections = 0, "MaxConnections" },
        { o => o.MaxConnectionsPerUser = -1, "MaxConnectionsPerUser" },
        { o => o.KeepAliveInterval = TimeSpan.Zero, "KeepAliveInterval" },
        { o => o.KeepAliveTimeout = Timeout.InfiniteTimeSpan, "KeepAliveTimeout" },
        { o => o.MaxMessageSize = 0, "MaxMessageSize" },
        { o => o.CloseTimeout = TimeSpan.Zero, "CloseTimeout" },
        { o => o.Sender.MaxQueuedBytes = 0, "Sender" },
        { o => o.Sender = null!, "Sender" },
        { o => o.UserKeySelector = null!, "UserKeySelector" },
        { o => o.AllowedOrigins = null!, "AllowedOrigins" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void BadValue_IsAnArgumentException_NamingTheOption(Action<WebSocketEndpointOptions> spoil, string name)
    {
        var o = new WebSocketEndpointOptions();
        spoil(o);
        var ex = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Contains(name, ex.Message);
    }

    [Fact]
    public async Task MapWebSocket_ChecksItsArguments_AtStartup()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo, o => o.AllowedOrigins.Add("*"))));
        Assert.Contains("AllowedOrigins", ex.Message);

        await Assert.ThrowsAsync<ArgumentNullException>(() => TestApp.StartAsync(a => a.MapWebSocket("/ws", null!)));
        await Assert.ThrowsAsync<ArgumentException>(() => TestApp.StartAsync(a => a.MapWebSocket(" ", Handlers.Echo)));

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => TestApp.StartAsync(a => a.MapWebSocket("/ws", Handlers.Echo), addGuard: false));
        Assert.Contains("AddWebSocketGuard", missing.Message);
    }

    [Fact]
    public async Task Registry_ChecksItsArguments()
    {
        var registry = new WebSocketConnectionRegistry();
        Assert.Throws<ArgumentException>(() => registry.GroupCount(""));
        Assert.Throws<ArgumentException>(() => registry.BroadcastAsync(new byte[1], WebSocketMessageType.Close));
        Assert.Throws<ArgumentNullException>(() => registry.BroadcastTextAsync(null!));
        Assert.Throws<ArgumentNullException>(() => registry.CountForUser(null!));
        Assert.Equal(new BroadcastResult(0, 0), await registry.BroadcastTextAsync("nobody"));
        Assert.Equal(0, registry.Count);
    }
}
