using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using WebSocketGuard.Analyzers;

namespace Benchmarks.Analyzers;

/// <summary>
/// The cost of the WSG analyzers against an analyzer that does nothing but make the compiler bind method bodies: over a large code base with no
/// WebSocket calls (where they must do next to nothing) and over WebSocket code (samples and the good-code body).
/// </summary>
[MemoryDiagnoser]
public class AnalyzerOverheadBenchmarks
{
    private Compilation _noWebSockets = null!;
    private Compilation _webSocketCode = null!;
    private ImmutableArray<DiagnosticAnalyzer> _wsg;
    private ImmutableArray<DiagnosticAnalyzer> _empty;

    [Params(false, true)]
    public bool WebSocketCode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _wsg = typeof(WebSocketAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        _empty = ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpAnalyzer());

        var references = FrameworkReferences();
        _noWebSockets = CSharpCompilation.Create("Generated", GeneratedCodeBase(files: 300), references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        var root = RepositoryRoot();
        var webSocketFiles = Directory.GetFiles(Path.Combine(root, "samples", "AntiPatterns"), "*.cs")
            .Concat(Directory.GetFiles(Path.Combine(root, "tests", "WebSocketGuard.Analyzers.Tests", "GoodCode"), "*.cs"))
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), path: path));
        _webSocketCode = CSharpCompilation.Create("WebSockets", webSocketFiles, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }

    [Benchmark(Baseline = true)]
    public Task<ImmutableArray<Diagnostic>> EmptyAnalyzer() => Analyze(_empty);

    [Benchmark]
    public Task<ImmutableArray<Diagnostic>> WsgAnalyzers() => Analyze(_wsg);

    /// <summary>Prints each analyzer's own execution time on both code bases (Roslyn's telemetry), to find the expensive one.</summary>
    public static async Task PrintPerAnalyzerTimesAsync()
    {
        var benchmark = new AnalyzerOverheadBenchmarks();
        benchmark.Setup();
        foreach (var (name, compilation) in new[] { ("no WebSocket calls", benchmark._noWebSockets), ("WebSocket code", benchmark._webSocketCode) })
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
            var withAnalyzers = compilation.Clone().WithAnalyzers(benchmark._wsg, options);
            await withAnalyzers.GetAnalyzerDiagnosticsAsync();
            Console.WriteLine($"== {name}");
            foreach (var analyzer in benchmark._wsg)
            {
                var telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
                Console.WriteLine($"{analyzer.GetType().Name,-45} {telemetry.ExecutionTime.TotalMilliseconds,8:F1} ms");
            }
        }
    }

    // A fresh clone per run so nothing bound in an earlier run is reused.
    private Task<ImmutableArray<Diagnostic>> Analyze(ImmutableArray<DiagnosticAnalyzer> analyzers)
        => (WebSocketCode ? _webSocketCode : _noWebSockets).Clone()
            .WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false))
            .GetAnalyzerDiagnosticsAsync();

    private static IEnumerable<MetadataReference> FrameworkReferences()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var aspNet = runtime.Replace("Microsoft.NETCore.App", "Microsoft.AspNetCore.App", StringComparison.Ordinal);
        return Directory.GetFiles(runtime, "*.dll").Concat(Directory.Exists(aspNet) ? Directory.GetFiles(aspNet, "*.dll") : [])
            .Where(IsManaged)
            .Select(p => MetadataReference.CreateFromFile(p));
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    // Ordinary business code: records, LINQ, async I/O, string building, HttpClient. No WebSockets.
    private static IEnumerable<SyntaxTree> GeneratedCodeBase(int files)
    {
        for (var file = 0; file < files; file++)
        {
            var code = new StringBuilder();
            code.AppendLine("using System; using System.Collections.Generic; using System.Linq; using System.Net.Http; using System.Text; using System.Threading; using System.Threading.Tasks;");
            code.AppendLine($"namespace Generated.N{file};");
            code.AppendLine($"public sealed record Order{file}(int Id, string Customer, decimal Total, DateTime Placed);");
            code.AppendLine($"public sealed class Service{file}");
            code.AppendLine("{");
            code.AppendLine("    private readonly HttpClient _http = new();");
            code.AppendLine($"    private readonly List<Order{file}> _orders = new();");
            for (var method = 0; method < 12; method++)
            {
                code.AppendLine($"    public async Task<string> Load{method}Async(Uri uri, CancellationToken ct)");
                code.AppendLine("    {");
                code.AppendLine("        var text = await _http.GetStringAsync(uri, ct);");
                code.AppendLine("        var builder = new StringBuilder();");
                code.AppendLine($"        foreach (var order in _orders.Where(o => o.Total > {method}).OrderBy(o => o.Placed))");
                code.AppendLine("        {");
                code.AppendLine("            builder.Append(order.Customer).Append(':').Append(order.Total.ToString(\"F2\")).AppendLine();");
                code.AppendLine("            if (builder.Length > 4096) { break; }");
                code.AppendLine("        }");
                code.AppendLine("        var timeout = TimeSpan.FromSeconds(" + method + ");");
                code.AppendLine("        await Task.Delay(timeout, ct);");
                code.AppendLine("        return text + builder;");
                code.AppendLine("    }");
            }

            code.AppendLine("}");
            yield return CSharpSyntaxTree.ParseText(code.ToString(), path: $"Generated{file}.cs");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Analyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Run the benchmarks from inside the repository.");
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NoOpAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("EMPTY0001", "Empty", "Empty", "Performance", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();

            // Does nothing, but like any real analyzer makes the compiler bind every method body.
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
    }
}
