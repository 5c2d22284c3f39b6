using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WebSocketGuard.Cli;

/// <summary>One reported diagnostic, positioned for people (1-based) and for SARIF.</summary>
public sealed record Finding(
    string RuleId,
    DiagnosticSeverity Severity,
    string Message,
    string FilePath,
    string RelativePath,
    int StartLine,
    int StartColumn,
    int EndLine,
    int EndColumn,
    Diagnostic Diagnostic);

/// <summary>An analyzer that threw: its results are incomplete, so this is always shown.</summary>
public sealed record AnalyzerFailure(string Analyzer, string Message, string? Location);

public sealed record ScanResult(IReadOnlyList<Finding> Findings, IReadOnlyList<AnalyzerFailure> Failures);

/// <summary>Runs the selected analyzers over the loaded projects with <see cref="CompilationWithAnalyzers"/>.</summary>
public sealed class Scanner(RuleCatalog catalog, IReadOnlyCollection<string> ruleIds, DiagnosticSeverity minimumSeverity)
{
    public const string AnalyzerExceptionId = "AD0001";

    private readonly ImmutableArray<DiagnosticAnalyzer> analyzers = catalog.AnalyzersFor(ruleIds);

    public async Task<ScanResult> ScanAsync(Solution solution, IEnumerable<ProjectId> projectIds, string root, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var failures = new List<AnalyzerFailure>();
        var seen = new HashSet<(string, string, TextSpanKey)>();
        foreach (var projectId in projectIds)
        {
            var project = solution.GetProject(projectId);
            if (project is null)
            {
                continue;
            }

            var (diagnostics, projectFailures) = await AnalyzeAsync(project, cancellationToken).ConfigureAwait(false);
            failures.AddRange(projectFailures);
            foreach (var diagnostic in diagnostics)
            {
                if (!IsReported(diagnostic))
                {
                    continue;
                }

                var span = diagnostic.Location.GetLineSpan();
                var path = span.Path;
                if (!seen.Add((diagnostic.Id, path, new TextSpanKey(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length))))
                {
                    continue; // the same file seen through another target framework
                }

                findings.Add(new Finding(
                    diagnostic.Id,
                    diagnostic.Severity,
                    diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
                    path,
                    RelativePath(root, path),
                    span.StartLinePosition.Line + 1,
                    span.StartLinePosition.Character + 1,
                    span.EndLinePosition.Line + 1,
                    span.EndLinePosition.Character + 1,
                    diagnostic));
            }
        }

        findings.Sort((a, b) => (a.RelativePath, a.StartLine, a.StartColumn, a.RuleId).CompareTo((b.RelativePath, b.StartLine, b.StartColumn, b.RuleId)));
        return new ScanResult(findings, failures.Distinct().ToList());
    }

    /// <summary>The raw analyzer diagnostics of one project (every severity), for the fixer too.</summary>
    public async Task<(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<AnalyzerFailure> Failures)> AnalyzeAsync(Project project, CancellationToken cancellationToken)
    {
        var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
        if (compilation is null || analyzers.IsEmpty)
        {
            return (ImmutableArray<Diagnostic>.Empty, Array.Empty<AnalyzerFailure>());
        }

        var failures = new ConcurrentBag<AnalyzerFailure>();
        var options = new CompilationWithAnalyzersOptions(
            project.AnalyzerOptions,
            onAnalyzerException: (exception, analyzer, _) => failures.Add(new AnalyzerFailure(analyzer.GetType().Name, $"{exception.GetType().Name}: {exception.Message}", null)),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);

        var result = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Id == AnalyzerExceptionId)
            {
                var location = diagnostic.Location.IsInSource ? diagnostic.Location.GetLineSpan().ToString() : null;
                failures.Add(new AnalyzerFailure(diagnostic.Descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture), diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), location));
            }
            else if (ruleIds.Contains(diagnostic.Id) && diagnostic.Location.IsInSource)
            {
                result.Add(diagnostic);
            }
        }

        return (result.ToImmutable(), failures.ToArray());
    }

    private bool IsReported(Diagnostic diagnostic)
        => !diagnostic.IsSuppressed && diagnostic.Severity != DiagnosticSeverity.Hidden && diagnostic.Severity >= minimumSeverity;

    public static string RelativePath(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private readonly record struct TextSpanKey(int Start, int Length);
}
