using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WebSocketGuard.Analyzers;

/// <summary>
/// Base for every rule: concurrent, blind to generated code, and silent (registering nothing)
/// in compilations that have no WebSocket types.
/// </summary>
public abstract class WebSocketAnalyzer : DiagnosticAnalyzer
{
    public sealed override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(compilationContext =>
        {
            var symbols = WebSocketSymbols.TryGet(compilationContext.Compilation);
            if (symbols is not null)
            {
                OnCompilationStart(compilationContext, symbols);
            }
        });
    }

    private protected abstract void OnCompilationStart(CompilationStartAnalysisContext context, WebSocketSymbols symbols);
}
