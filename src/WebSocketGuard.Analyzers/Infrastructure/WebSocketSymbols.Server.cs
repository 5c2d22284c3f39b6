using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>Symbols the server rules (WSG2001-WSG2004, WSG1004, WSG1015) compare against.</summary>
internal sealed partial class WebSocketSymbols
{
    public INamedTypeSymbol? HttpListenerRequest => Type("System.Net.HttpListenerRequest");
    public INamedTypeSymbol? HttpListenerResponse => Type("System.Net.HttpListenerResponse");
    public INamedTypeSymbol? HttpListener => Type("System.Net.HttpListener");
    public INamedTypeSymbol? AspNetHttpResponse => Type("Microsoft.AspNetCore.Http.HttpResponse");
    public INamedTypeSymbol? AspNetStatusCodes => Type("Microsoft.AspNetCore.Http.StatusCodes");
    public INamedTypeSymbol? AspNetResults => Type("Microsoft.AspNetCore.Http.Results");
    public INamedTypeSymbol? AspNetTypedResults => Type("Microsoft.AspNetCore.Http.TypedResults");
    public INamedTypeSymbol? ApplicationBuilder => Type("Microsoft.AspNetCore.Builder.IApplicationBuilder");
    public INamedTypeSymbol? EndpointConventionBuilder => Type("Microsoft.AspNetCore.Builder.IEndpointConventionBuilder");
    public INamedTypeSymbol? EndpointRouteBuilder => Type("Microsoft.AspNetCore.Routing.IEndpointRouteBuilder");
    public INamedTypeSymbol? WebApplication => Type("Microsoft.AspNetCore.Builder.WebApplication");
    public INamedTypeSymbol? AuthorizationConventionExtensions => Type("Microsoft.AspNetCore.Builder.AuthorizationEndpointConventionBuilderExtensions");
    public INamedTypeSymbol? AuthorizeData => Type("Microsoft.AspNetCore.Authorization.IAuthorizeData");
    public INamedTypeSymbol? AllowAnonymous => Type("Microsoft.AspNetCore.Authorization.IAllowAnonymous");
    public INamedTypeSymbol? AuthorizeAttribute => Type("Microsoft.AspNetCore.Authorization.AuthorizeAttribute");
    public INamedTypeSymbol? AuthorizationOptions => Type("Microsoft.AspNetCore.Authorization.AuthorizationOptions");
    public INamedTypeSymbol? AuthorizationService => Type("Microsoft.AspNetCore.Authorization.IAuthorizationService");
    public INamedTypeSymbol? AuthorizationServiceExtensions => Type("Microsoft.AspNetCore.Authorization.AuthorizationServiceExtensions");
    public INamedTypeSymbol? AuthenticationHttpContextExtensions => Type("Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions");
    public INamedTypeSymbol? Identity => Type("System.Security.Principal.IIdentity");
    public INamedTypeSymbol? Principal => Type("System.Security.Principal.IPrincipal");
    public INamedTypeSymbol? ClaimsPrincipal => Type("System.Security.Claims.ClaimsPrincipal");
    public INamedTypeSymbol? HubEndpointRouteBuilderExtensions => Type("Microsoft.AspNetCore.Builder.HubEndpointRouteBuilderExtensions");
    public INamedTypeSymbol? HttpConnectionDispatcherOptions => Type("Microsoft.AspNetCore.Http.Connections.HttpConnectionDispatcherOptions");

    public INamedTypeSymbol? Channel => Type("System.Threading.Channels.Channel");
    public INamedTypeSymbol? ChannelWriter => Type("System.Threading.Channels.ChannelWriter`1");
    public INamedTypeSymbol? TaskCompletionSource => Type("System.Threading.Tasks.TaskCompletionSource");
    public INamedTypeSymbol? TaskCompletionSourceOfT => Type("System.Threading.Tasks.TaskCompletionSource`1");
}
