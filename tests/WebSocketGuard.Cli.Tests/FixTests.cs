using Xunit;

namespace WebSocketGuard.Cli.Tests;

public class FixTests
{
    [Fact]
    public async Task Fix_rewrites_ws_to_wss_on_disk_and_leaves_other_files_alone()
    {
        using var folder = new TempFolder();
        var feed = folder.Write("Feed.cs", Samples.PlaintextClient);
        var secure = folder.Write("Other/Secure.cs", Samples.SecureClient.Replace("class Feed", "class Secure"));
        var secureBefore = File.ReadAllBytes(secure);

        var run = await CliRun.RunAsync("scan", folder.Path, "--fix", "--rule", "WSG1011");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.Contains("fixed: Feed.cs", run.Output);
        Assert.Contains("1 finding(s) fixed, 0 remain", run.Output);
        var text = File.ReadAllText(feed);
        Assert.Contains("new Uri(\"wss://feed.example.com/live\")", text);
        Assert.DoesNotContain("ws://", text);
        Assert.Equal(Samples.PlaintextClient.Replace("ws://", "wss://"), text);
        Assert.Equal(secureBefore, File.ReadAllBytes(secure));
    }

    [Fact]
    public async Task Fix_fixes_every_occurrence_across_files()
    {
        using var folder = new TempFolder();
        var first = folder.Write("A.cs", Samples.PlaintextClient);
        var second = folder.Write("B.cs", Samples.PlaintextClient.Replace("class Feed", "class Feed2").Replace("feed.example.com", "other.example.org"));

        var run = await CliRun.RunAsync("scan", folder.Path, "--fix");

        Assert.Contains("fixed: A.cs", run.Output);
        Assert.Contains("fixed: B.cs", run.Output);
        Assert.Contains("wss://feed.example.com", File.ReadAllText(first));
        Assert.Contains("wss://other.example.org", File.ReadAllText(second));
        Assert.DoesNotContain("WSG1011", run.Output.Split("fix:").Last());
    }

    [Fact]
    public async Task Fix_keeps_a_byte_order_mark()
    {
        using var folder = new TempFolder();
        var feed = Path.Combine(folder.Path, "Feed.cs");
        File.WriteAllText(feed, Samples.PlaintextClient, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        await CliRun.RunAsync("scan", folder.Path, "--fix", "--rule", "WSG1011");

        var bytes = File.ReadAllBytes(feed);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3).ToArray());
        Assert.Contains("wss://", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task Without_fix_nothing_is_written()
    {
        using var folder = new TempFolder();
        var feed = folder.Write("Feed.cs", Samples.PlaintextClient);

        await CliRun.RunAsync("scan", folder.Path);

        Assert.Equal(Samples.PlaintextClient, File.ReadAllText(feed));
    }

    [Fact]
    public async Task Fixes_of_different_rules_in_one_file_are_all_applied()
    {
        using var folder = new TempFolder();
        var file = folder.Write("Telemetry.cs", Samples.NoTimeoutClient.Replace("wss://", "ws://"));

        var run = await CliRun.RunAsync("scan", folder.Path, "--fix");

        Assert.Equal(CliApp.ExitClean, run.ExitCode);
        Assert.Contains("2 finding(s) fixed, 0 remain", run.Output);
        var text = File.ReadAllText(file);
        Assert.Contains("socket.Options.KeepAliveTimeout = ", text);
        Assert.Contains("new Uri(\"wss://telemetry.example.com\")", text);
    }
}
