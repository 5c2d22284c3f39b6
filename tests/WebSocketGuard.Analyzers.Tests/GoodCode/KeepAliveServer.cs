using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;

namespace GoodCode.Server;

public static class KeepAliveServer
{
    public static void Configure(WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(30),
            KeepAliveTimeout = TimeSpan.FromSeconds(20),
        });
    }
}

public static class ConfiguredElsewhereServer
{
    public static void AddServices(IServiceCollection services)
    {
        services.AddWebSockets(options => options.KeepAliveTimeout = TimeSpan.FromSeconds(20));
    }

    public static void Configure(WebApplication app)
    {
        app.UseWebSockets();
    }
}
