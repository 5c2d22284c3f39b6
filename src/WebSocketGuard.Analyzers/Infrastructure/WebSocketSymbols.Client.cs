using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>Symbols the client-resilience rules (WSG1001, WSG1003, WSG1005, WSG1006) compare against.</summary>
internal sealed partial class WebSocketSymbols
{
    public INamedTypeSymbol? TaskFactory => Type("System.Threading.Tasks.TaskFactory");
    public INamedTypeSymbol? Parallel => Type("System.Threading.Tasks.Parallel");
    public INamedTypeSymbol? Thread => Type("System.Threading.Thread");
    public INamedTypeSymbol? ThreadPool => Type("System.Threading.ThreadPool");
    public INamedTypeSymbol? ThreadingTimer => Type("System.Threading.Timer");
    public INamedTypeSymbol? TimersTimer => Type("System.Timers.Timer");
    public INamedTypeSymbol? SemaphoreSlim => Type("System.Threading.SemaphoreSlim");
    public INamedTypeSymbol? Monitor => Type("System.Threading.Monitor");
    public INamedTypeSymbol? ValueTaskOfT => Type("System.Threading.Tasks.ValueTask`1");
    public INamedTypeSymbol? Exception => Type("System.Exception");
    public INamedTypeSymbol? EventArgs => Type("System.EventArgs");
    public INamedTypeSymbol? OperationCanceledException => Type("System.OperationCanceledException");
    public INamedTypeSymbol? Random => Type("System.Random");
    public INamedTypeSymbol? Math => Type("System.Math");
    public INamedTypeSymbol? Enumerable => Type("System.Linq.Enumerable");
    public INamedTypeSymbol? ChannelReader => Type("System.Threading.Channels.ChannelReader`1");
    public INamedTypeSymbol? BlockingCollection => Type("System.Collections.Concurrent.BlockingCollection`1");
    public INamedTypeSymbol? ConcurrentQueue => Type("System.Collections.Concurrent.ConcurrentQueue`1");
    public INamedTypeSymbol? Queue => Type("System.Collections.Generic.Queue`1");

    public INamedTypeSymbol? Logger => Type("Microsoft.Extensions.Logging.ILogger");
    public INamedTypeSymbol? LoggerExtensions => Type("Microsoft.Extensions.Logging.LoggerExtensions");
    public INamedTypeSymbol? BackgroundService => Type("Microsoft.Extensions.Hosting.BackgroundService");
    public INamedTypeSymbol? ControllerBase => Type("Microsoft.AspNetCore.Mvc.ControllerBase");
    public INamedTypeSymbol? AspNetMiddleware => Type("Microsoft.AspNetCore.Http.IMiddleware");
    public INamedTypeSymbol? AspNetApplicationBuilder => Type("Microsoft.AspNetCore.Builder.IApplicationBuilder");
    public INamedTypeSymbol? AspNetEndpointRouteBuilder => Type("Microsoft.AspNetCore.Routing.IEndpointRouteBuilder");
    public INamedTypeSymbol? AspNetRequestDelegate => Type("Microsoft.AspNetCore.Http.RequestDelegate");
}
