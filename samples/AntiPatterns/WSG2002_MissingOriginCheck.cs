using Microsoft.AspNetCore.Authentication.Cookies;

// WSG2002: a cookie-authenticated dashboard whose socket any web site can open as the signed-in user.
public static class DashboardSetup
{
    public static void AddServices(IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
    }

    public static void Configure(WebApplication app)
    {
        // No AllowedOrigins: evil.example can run "new WebSocket('wss://dashboard.example/live')" in a visitor's browser.
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(30),
            KeepAliveTimeout = TimeSpan.FromSeconds(20),
        });
    }
}
