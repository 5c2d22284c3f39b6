using Xunit;

namespace WebSocketGuard.Cli.Tests;

public class CatalogTests
{
    [Fact]
    public void Analyzers_and_fixers_are_discovered_by_reflection()
    {
        var catalog = RuleCatalog.Load();

        Assert.Contains("WSG1002", catalog.Rules.Keys);
        Assert.Contains("WSG1011", catalog.Rules.Keys);
        Assert.Equal("MissingDeadPeerDetection", catalog.Rules["WSG1002"].Name);
        Assert.Equal("PlaintextRemoteWebSocketUri", catalog.Rules["WSG1011"].Name);
        Assert.True(catalog.Rules["WSG1011"].HasFix);
        Assert.Contains(catalog.Fixers, f => f.FixableDiagnosticIds.Contains("WSG1011"));
        Assert.Contains(catalog.Fixers, f => f.FixableDiagnosticIds.Contains("WSG1002"));
        Assert.All(catalog.Rules.Keys, id => Assert.Matches("^WSG[12][0-9]{3}$", id));
    }

    [Fact]
    public async Task Analyzer_exception_is_reported_loudly_and_fails_the_scan()
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.SecureClient);
        var catalog = RuleCatalog.Load(typeof(ThrowingAnalyzer).Assembly, typeof(ThrowingAnalyzer).Assembly);

        var run = await CliRun.RunAsync(catalog, "scan", folder.Path);

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("ERROR AD0001: analyzer ThrowingAnalyzer threw", run.Error);
        Assert.Contains("analyzer failure", run.Output);
        Assert.Contains("boom", run.Error);
        Assert.Single(run.Error.Split('\n'), line => line.StartsWith("ERROR AD0001", StringComparison.Ordinal));
    }
}
