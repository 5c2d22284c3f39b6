using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WebSocketGuard.AspNetCore;

/// <summary>Registers WebSocketGuard's server services.</summary>
public static class WebSocketGuardServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="WebSocketConnectionRegistry"/> (a singleton) and the default <see cref="WebSocketEndpointOptions"/>,
    /// bound from the configuration section <c>WebSockets</c> (<c>AllowedOrigins</c>, limits, keep-alive; see
    /// <see cref="WebSocketEndpointOptions"/>) and then adjusted by <paramref name="configure"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">
    /// The configuration holding the <c>WebSockets</c> section (usually <c>builder.Configuration</c>), or that section itself.
    /// When null, the application's <see cref="IConfiguration"/> service is used if there is one.
    /// </param>
    /// <param name="configure">Adjusts the options in code after binding.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddWebSocketGuard(this IServiceCollection services, IConfiguration? configuration = null, Action<WebSocketEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<WebSocketConnectionRegistry>();
        var options = services.AddOptions<WebSocketEndpointOptions>();
        if (configuration is not null)
        {
            var section = configuration is IConfigurationSection { Key: WebSocketEndpointOptions.ConfigurationSectionName } s
                ? s
                : configuration.GetSection(WebSocketEndpointOptions.ConfigurationSectionName);
            options.Configure(o => section.Bind(o));
        }
        else
        {
            options.Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(WebSocketEndpointOptions.ConfigurationSectionName).Bind(o));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }
}
