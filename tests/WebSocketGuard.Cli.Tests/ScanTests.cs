using Xunit;

namespace WebSocketGuard.Cli.Tests;

public class ScanTests
{
    [Fact]
    public async Task Plaintext_url_is_reported_with_position_and_exit_code_1()
    {
        using var folder = new TempFolder();
        folder.Write("src/Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", folder.Path);

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("src/Feed.cs(12,43): warning WSG1011: 'ws://' to 'feed.example.com'", run.Output);
        Assert.Matches(@"WSG1011\s+warning\s+1\s+yes\s+Plaintext ws:// to a remote host", run.Output);
        Assert.Matches(@"WSG1002\s+warning\s+0\s", run.Output);
        Assert.Contains("Total: 1 finding(s) in 1 file(s)", run.Output);
    }

    [Fact]
    public async Task Clean_folder_exits_0()
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.SecureClient);

        var run = await CliRun.RunAsync("scan", folder.Path);

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.Contains("Total: 0 finding(s)", run.Output);
        Assert.Equal(string.Empty, run.Error);
    }

    [Fact]
    public async Task Loose_files_with_unresolved_types_and_implicit_usings_are_still_analyzed()
    {
        using var folder = new TempFolder();
        folder.Write("Telemetry.cs", Samples.NoTimeoutClient);

        var run = await CliRun.RunAsync("scan", folder.Path, "--rule", "WSG1002");

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("Telemetry.cs(9,22): warning WSG1002: 'socket' connects without a KeepAliveTimeout", run.Output);
    }

    [Fact]
    public async Task Framework_option_changes_what_the_code_compiles_against()
    {
        using var folder = new TempFolder();
        folder.Write("Telemetry.cs", Samples.NoTimeoutClient);

        var run = await CliRun.RunAsync("scan", folder.Path, "--rule", "WSG1002", "--framework", "net8.0");

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("against net8.0", run.Output);
        Assert.Contains("this framework has no KeepAliveTimeout", run.Output);
    }

    [Fact]
    public async Task Rule_filter_limits_the_rules_that_run()
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", folder.Path, "--rule", "wsg1002");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.DoesNotContain("WSG1011", run.Output);
        Assert.Contains("rules: WSG1002", run.Output);
    }

    [Fact]
    public async Task Severity_minimum_above_the_findings_exits_0()
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", folder.Path, "--severity-min", "error");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.DoesNotContain("warning WSG1011", run.Output);
    }

    [Fact]
    public async Task Bin_and_obj_folders_are_skipped()
    {
        using var folder = new TempFolder();
        folder.Write("obj/Debug/Feed.cs", Samples.PlaintextClient);
        folder.Write("bin/Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", folder.Path);

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.Contains("0 file(s)", run.Output);
    }

    [Fact]
    public async Task Project_file_is_loaded_with_msbuild()
    {
        using var folder = new TempFolder();
        var project = folder.Write("Feed.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", project);

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("via MSBuild", run.Output);
        Assert.Contains("Feed.cs(12,43): warning WSG1011", run.Output);
    }

    [Fact]
    public async Task Broken_project_file_falls_back_to_loose_files_with_a_warning()
    {
        using var folder = new TempFolder();
        var project = folder.Write("Broken.csproj", "<Project");
        folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", project);

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("falling back to loose-file mode", run.Error);
        Assert.Contains("Feed.cs(12,43): warning WSG1011", run.Output);
    }

    [Fact]
    public async Task Editorconfig_severities_apply_to_loose_files()
    {
        using var folder = new TempFolder();
        folder.Write(".editorconfig", "root = true\n\n[*.cs]\ndotnet_diagnostic.WSG1011.severity = error\n");
        folder.Write("Feed.cs", Samples.PlaintextClient);
        folder.Write("quiet/.editorconfig", "[*.cs]\ndotnet_diagnostic.WSG1011.severity = none\n");
        folder.Write("quiet/Feed2.cs", Samples.PlaintextClient.Replace("class Feed", "class Feed2"));

        var run = await CliRun.RunAsync("scan", folder.Path, "--severity-min", "error");

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("Feed.cs(12,43): error WSG1011", run.Output);
        Assert.DoesNotContain("quiet/Feed2.cs", run.Output);
    }

    [Fact]
    public async Task Multi_targeted_unrestored_project_gets_framework_references_and_reports_each_finding_once()
    {
        using var folder = new TempFolder();
        var project = folder.Write("Feed.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFrameworks>net8.0;net10.0</TargetFrameworks></PropertyGroup>
            </Project>
            """);
        folder.Write("Feed.cs", Samples.PlaintextClient.Replace("socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);", string.Empty));

        var run = await CliRun.RunAsync("scan", project, "--rule", "WSG1011,WSG1002");

        Assert.Equal(CliApp.ExitFindings, run.ExitCode);
        Assert.Contains("Feed(net8.0) has no framework references (not restored?)", run.Error);
        Assert.Single(run.Output.Split('\n'), line => line.Contains("warning WSG1011"));
        // net8.0 has no KeepAliveTimeout, net10.0 has: the rule speaks for each framework at the same place once.
        Assert.Single(run.Output.Split('\n'), line => line.Contains("Feed.cs(10,28)") && line.Contains("WSG1002"));
    }
}
