using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace WebSocketGuard.Analyzers.Tests.Guards;

/// <summary>
/// The IDE runs analyzers on half-typed code, and 'dotnet build' skips analyzers when declarations have errors,
/// so robustness is tested in-process: every analyzer over every snippet in the tests, and over broken versions of each.
/// </summary>
public partial class RobustnessTests
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12);

    [Fact]
    public async Task No_analyzer_throws_on_any_snippet_or_broken_variant()
    {
        var snippets = TestSnippets.All();
        Assert.True(snippets.Count >= 5, "expected the rule tests' snippets to be found");

        // Each snippet alone, then all its broken variants together in one compilation (one tree each):
        // the variants clash with each other too, which only adds to the brokenness being tested.
        var failures = new ConcurrentBag<string>();
        var batches = snippets.SelectMany((s, i) => new[] { new[] { s }, BrokenVariants(s, seed: i).ToArray() }).ToList();
        await Parallel.ForEachAsync(batches, async (sources, ct) =>
        {
            foreach (var failure in await RunAllAnalyzersAsync(sources))
            {
                failures.Add(failure);
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} analyzer exception(s) over {batches.Sum(b => b.Length)} sources:\n" + string.Join("\n\n", failures.Take(5)));
    }

    [Fact]
    public async Task The_harness_catches_an_analyzer_that_throws()
    {
        var failures = await RunAllAnalyzersAsync(new[] { "class C { void M() { M(); } }" }, ImmutableArray.Create<DiagnosticAnalyzer>(new ThrowingAnalyzer()));
        Assert.Contains(failures, f => f.Contains("ThrowingAnalyzer", StringComparison.Ordinal));
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("TEST0001", "t", "t", "Test", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(_ => throw new InvalidOperationException("boom"), OperationKind.Invocation);
        }
    }

    [Fact]
    public async Task Idiomatic_websocket_code_gets_no_diagnostics_and_compiles()
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "WebSocketGuard.Analyzers.Tests", "GoodCode");
        var trees = Directory.GetFiles(folder, "*.cs")
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), ParseOptions, path))
            .ToArray();
        Assert.NotEmpty(trees);

        var compilation = CreateCompilation(trees);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the good-code body must compile:\n" + string.Join("\n", errors));

        var exceptions = new ConcurrentBag<string>();
        var diagnostics = await compilation
            .WithAnalyzers(AllRules.Analyzers, Options(exceptions))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        Assert.True(diagnostics.IsEmpty, "good code must stay silent:\n" + string.Join("\n", diagnostics));
    }

    internal static async Task<IReadOnlyList<string>> RunAllAnalyzersAsync(IReadOnlyList<string> sources, ImmutableArray<DiagnosticAnalyzer>? analyzers = null)
    {
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, $"Snippet{i}.cs"));
        var compilation = CreateCompilation(trees);
        var exceptions = new ConcurrentBag<string>();
        var diagnostics = await compilation.WithAnalyzers(analyzers ?? AllRules.Analyzers, Options(exceptions)).GetAnalyzerDiagnosticsAsync();
        foreach (var crash in diagnostics.Where(d => d.Id == "AD0001"))
        {
            exceptions.Add(crash.ToString());
        }

        return exceptions.Select(e => e + "\n--- sources ---\n" + string.Join("\n---\n", sources)).ToList();
    }

    private static CompilationWithAnalyzersOptions Options(ConcurrentBag<string> exceptions)
        => new(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => exceptions.Add($"{analyzer.GetType().Name}: {exception}"),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);

    private static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees)
        => CSharpCompilation.Create(
            "Snippets",
            trees,
            TestEnvironment.References(TargetFramework.Net100, ProjectReferences.AspNetCore | ProjectReferences.Runtime),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Half-typed versions of a snippet: cut short, tokens missing, usings gone.</summary>
    internal static IEnumerable<string> BrokenVariants(string source, int seed)
    {
        var random = new Random(seed);
        for (var i = 1; i <= 8; i++)
        {
            yield return source.Substring(0, source.Length * i / 9);
        }

        var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToList();
        for (var i = 0; i < 6 && tokens.Count > 0; i++)
        {
            var token = tokens[random.Next(tokens.Count)];
            yield return source.Remove(token.SpanStart, token.Span.Length);
        }

        yield return UsingDirective().Replace(source, string.Empty);
        yield return source.Replace("await ", string.Empty, StringComparison.Ordinal);
        yield return source.Replace("(", " ", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*using\s+[\w.]+\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();
}
