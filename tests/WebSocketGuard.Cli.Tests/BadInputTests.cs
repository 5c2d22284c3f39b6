using Xunit;

namespace WebSocketGuard.Cli.Tests;

public class BadInputTests
{
    [Fact]
    public async Task Nonexistent_path_exits_2_with_a_message()
    {
        var missing = Path.Combine(Path.GetTempPath(), "wsguard-missing-" + Guid.NewGuid().ToString("N"));

        var run = await CliRun.RunAsync("scan", missing);

        Assert.Equal(CliApp.ExitBadInput, run.ExitCode);
        Assert.Contains($"error: path not found: {missing}", run.Error);
        Assert.Equal(string.Empty, run.Output);
    }

    [Theory]
    [InlineData("unknown rule id(s): WSG9999", "--rule", "WSG9999")]
    [InlineData("unknown option '--colour'", "--colour")]
    [InlineData("--severity-min must be info, warning or error (got 'loud')", "--severity-min", "loud")]
    [InlineData("--framework must be one of net8.0, net10.0 (got 'net48')", "--framework", "net48")]
    [InlineData("--sarif needs a file name", "--sarif")]
    public async Task Bad_options_exit_2_with_a_message(string message, params string[] options)
    {
        using var folder = new TempFolder();
        folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync(new[] { "scan", folder.Path }.Concat(options).ToArray());

        Assert.Equal(CliApp.ExitBadInput, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task Unsupported_file_kind_exits_2()
    {
        using var folder = new TempFolder();
        var file = folder.Write("Feed.cs", Samples.PlaintextClient);

        var run = await CliRun.RunAsync("scan", file);

        Assert.Equal(CliApp.ExitBadInput, run.ExitCode);
        Assert.Contains("give a folder of .cs files, a .csproj, or a .sln/.slnx", run.Error);
    }

    [Theory]
    [InlineData("Usage: wsguard scan <path>")]
    [InlineData("error: unknown command 'lint'", "lint")]
    [InlineData("error: scan needs a path", "scan")]
    public async Task Missing_command_or_path_exits_2(string message, params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.Equal(CliApp.ExitBadInput, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var run = await CliRun.RunAsync("--help");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.Contains("--sarif FILE", run.Output);
    }
}
