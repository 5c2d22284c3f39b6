using System.Reflection;
using System.Text.Json;
using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Cli;

/// <summary>Writes SARIF 2.1.0 with one run: the rules scanned for and their results.</summary>
public static class SarifReport
{
    public const string ToolName = "wsguard";
    public const string RootBaseId = "SRCROOT";

    public static void Write(Stream stream, ScanResult result, IReadOnlyList<RuleInfo> rules, string root)
    {
        var ruleIndex = rules.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        json.WriteString("version", "2.1.0");
        json.WriteStartArray("runs");
        json.WriteStartObject();

        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", ToolName);
        var version = typeof(SarifReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        json.WriteString("version", version);
        json.WriteString("semanticVersion", version.Split('+')[0]);
        if (ProjectUrl is { } url)
        {
            json.WriteString("informationUri", url);
        }

        json.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            var descriptor = rule.Descriptor;
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteString("name", rule.Name);
            WriteText(json, "shortDescription", descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var description = descriptor.Description.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (description.Length > 0)
            {
                WriteText(json, "fullDescription", description);
            }

            if (!string.IsNullOrEmpty(descriptor.HelpLinkUri))
            {
                json.WriteString("helpUri", descriptor.HelpLinkUri);
            }

            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", Level(descriptor.DefaultSeverity));
            json.WriteBoolean("enabled", descriptor.IsEnabledByDefault);
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteString("category", descriptor.Category);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("originalUriBaseIds");
        json.WriteStartObject(RootBaseId);
        json.WriteString("uri", new Uri(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar).AbsoluteUri);
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartArray("invocations");
        json.WriteStartObject();
        json.WriteBoolean("executionSuccessful", result.Failures.Count == 0);
        json.WriteStartArray("toolExecutionNotifications");
        foreach (var failure in result.Failures)
        {
            json.WriteStartObject();
            json.WriteStartObject("descriptor");
            json.WriteString("id", Scanner.AnalyzerExceptionId);
            json.WriteEndObject();
            json.WriteString("level", "error");
            WriteText(json, "message", $"{failure.Analyzer}: {failure.Message}");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartArray("results");
        foreach (var finding in result.Findings)
        {
            json.WriteStartObject();
            json.WriteString("ruleId", finding.RuleId);
            if (ruleIndex.TryGetValue(finding.RuleId, out var index))
            {
                json.WriteNumber("ruleIndex", index);
            }

            json.WriteString("level", Level(finding.Severity));
            WriteText(json, "message", finding.Message);
            json.WriteStartArray("locations");
            json.WriteStartObject();
            json.WriteStartObject("physicalLocation");
            json.WriteStartObject("artifactLocation");
            json.WriteString("uri", RelativeUri(finding.RelativePath));
            json.WriteString("uriBaseId", RootBaseId);
            json.WriteEndObject();
            json.WriteStartObject("region");
            json.WriteNumber("startLine", finding.StartLine);
            json.WriteNumber("startColumn", finding.StartColumn);
            json.WriteNumber("endLine", finding.EndLine);
            json.WriteNumber("endColumn", finding.EndColumn);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static string Level(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Info => "note",
        _ => "none",
    };

    private static string? ProjectUrl
        => typeof(SarifReport).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ProjectUrl")?.Value;

    // Relative URI references: each path segment escaped, '/' kept.
    private static string RelativeUri(string relativePath)
        => string.Join('/', relativePath.Split('/').Select(Uri.EscapeDataString));

    private static void WriteText(Utf8JsonWriter json, string name, string text)
    {
        json.WriteStartObject(name);
        json.WriteString("text", text);
        json.WriteEndObject();
    }
}
