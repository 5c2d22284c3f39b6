using System.Text.Json;
using Xunit;

namespace WebSocketGuard.Cli.Tests;

public class SarifTests
{
    [Fact]
    public async Task Sarif_has_driver_rules_and_results_with_relative_locations()
    {
        using var folder = new TempFolder();
        folder.Write("src/Live Feed.cs", Samples.PlaintextClient);
        var sarifPath = Path.Combine(folder.Path, "out", "scan.sarif");

        var run = await CliRun.RunAsync("scan", folder.Path, "--sarif", sarifPath);

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(sarifPath));
        var root = document.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var sarifRun = Assert.Single(root.GetProperty("runs").EnumerateArray());

        var driver = sarifRun.GetProperty("tool").GetProperty("driver");
        Assert.Equal("wsguard", driver.GetProperty("name").GetString());
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        var ruleIds = rules.Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains("WSG1002", ruleIds);
        Assert.Contains("WSG1011", ruleIds);
        var plaintext = rules.Single(r => r.GetProperty("id").GetString() == "WSG1011");
        Assert.Equal("PlaintextRemoteWebSocketUri", plaintext.GetProperty("name").GetString());
        Assert.Equal("Plaintext ws:// to a remote host", plaintext.GetProperty("shortDescription").GetProperty("text").GetString());
        Assert.EndsWith("/WSG1011.md", plaintext.GetProperty("helpUri").GetString());
        Assert.Equal("warning", plaintext.GetProperty("defaultConfiguration").GetProperty("level").GetString());

        var result = Assert.Single(sarifRun.GetProperty("results").EnumerateArray());
        Assert.Equal("WSG1011", result.GetProperty("ruleId").GetString());
        Assert.Equal(ruleIds.IndexOf("WSG1011"), result.GetProperty("ruleIndex").GetInt32());
        Assert.Equal("warning", result.GetProperty("level").GetString());
        Assert.StartsWith("'ws://' to 'feed.example.com'", result.GetProperty("message").GetProperty("text").GetString());
        var location = Assert.Single(result.GetProperty("locations").EnumerateArray()).GetProperty("physicalLocation");
        var artifact = location.GetProperty("artifactLocation");
        Assert.Equal("src/Live%20Feed.cs", artifact.GetProperty("uri").GetString());
        Assert.Equal("SRCROOT", artifact.GetProperty("uriBaseId").GetString());
        var region = location.GetProperty("region");
        Assert.Equal(12, region.GetProperty("startLine").GetInt32());
        Assert.Equal(43, region.GetProperty("startColumn").GetInt32());

        var baseUri = sarifRun.GetProperty("originalUriBaseIds").GetProperty("SRCROOT").GetProperty("uri").GetString();
        Assert.Equal(new Uri(folder.Path + "/").AbsoluteUri, baseUri);
        Assert.True(Assert.Single(sarifRun.GetProperty("invocations").EnumerateArray()).GetProperty("executionSuccessful").GetBoolean());
    }

    [Fact]
    public async Task Sarif_of_a_clean_scan_has_no_results()
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.SecureClient);
        var sarifPath = Path.Combine(folder.Path, "scan.sarif");

        var run = await CliRun.RunAsync("scan", folder.Path, $"--sarif={sarifPath}");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(sarifPath));
        Assert.Empty(document.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
    }
}
