using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Cli;

/// <summary>The human-readable report: findings grouped by file, then a per-rule summary.</summary>
public static class TextReport
{
    public static void Write(TextWriter output, ScanResult result, IReadOnlyList<RuleInfo> rules)
    {
        foreach (var file in result.Findings.GroupBy(f => f.RelativePath))
        {
            output.WriteLine($"{file.Key}: {file.Count()} finding(s)");
            foreach (var finding in file)
            {
                output.WriteLine($"  {finding.RelativePath}({finding.StartLine},{finding.StartColumn}): {SeverityText(finding.Severity)} {finding.RuleId}: {finding.Message}");
            }

            output.WriteLine();
        }

        foreach (var failure in result.Failures)
        {
            output.WriteLine($"error {Scanner.AnalyzerExceptionId}: analyzer {failure.Analyzer} threw and its results are incomplete: {failure.Message}{(failure.Location is null ? string.Empty : " at " + failure.Location)}");
        }

        if (result.Failures.Count > 0)
        {
            output.WriteLine();
        }

        var counts = result.Findings.GroupBy(f => f.RuleId).ToDictionary(g => g.Key, g => g.Count());
        var idWidth = Math.Max(4, rules.Select(r => r.Id.Length).DefaultIfEmpty(0).Max());
        output.WriteLine($"{"Rule".PadRight(idWidth)}  {"Default",-7}  {"Findings",8}  {"Fix",-3}  Title");
        foreach (var rule in rules)
        {
            output.WriteLine($"{rule.Id.PadRight(idWidth)}  {SeverityText(rule.Descriptor.DefaultSeverity),-7}  {counts.GetValueOrDefault(rule.Id),8}  {(rule.HasFix ? "yes" : "no"),-3}  {rule.Descriptor.Title}");
        }

        var files = result.Findings.Select(f => f.RelativePath).Distinct().Count();
        output.WriteLine($"Total: {result.Findings.Count} finding(s) in {files} file(s); {result.Failures.Count} analyzer failure(s)");
    }

    public static string SeverityText(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "info",
        _ => "hidden",
    };
}
