using System.Text.RegularExpressions;
using Xunit;

namespace WebSocketGuard.PackageTests;

[Collection(PackedFeedCollection.Name)]
public class PackageTests
{
    private const string WebProgram = """
        using System.Net.WebSockets;

        var app = WebApplication.Create(args);
        app.UseWebSockets();
        app.Run();

        static class FeedClient
        {
            public static async Task RunAsync(CancellationToken cancellationToken)
            {
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri("ws://chat.example.com/feed"), cancellationToken);
            }
        }
        """;

    private const string ConsoleProgram = """
        using System.Net.WebSockets;

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri("ws://chat.example.com/feed"), CancellationToken.None);
        """;

    private readonly PackedFeed _feed;

    public PackageTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public void Analyzer_package_holds_both_assemblies_under_analyzers_and_no_lib()
    {
        var package = _feed.PackagePath("WebSocketGuard.Analyzers");
        var entries = PackedFeed.Entries(package);
        Assert.Contains("analyzers/dotnet/cs/WebSocketGuard.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/WebSocketGuard.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));

        var nuspec = PackedFeed.ReadEntry(package, "WebSocketGuard.Analyzers.nuspec");
        Assert.Contains("<developmentDependency>true</developmentDependency>", nuspec);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
        Assert.Contains("<repository type=\"git\"", nuspec);
        Assert.DoesNotContain("<dependency ", nuspec);
    }

    [Fact]
    public void Runtime_packages_target_net8_and_net10_and_depend_on_the_rules()
    {
        var runtime = _feed.PackagePath("WebSocketGuard");
        var entries = PackedFeed.Entries(runtime);
        Assert.Contains("lib/net8.0/WebSocketGuard.dll", entries);
        Assert.Contains("lib/net10.0/WebSocketGuard.dll", entries);
        Assert.Contains("lib/net10.0/WebSocketGuard.xml", entries);
        var nuspec = PackedFeed.ReadEntry(runtime, "WebSocketGuard.nuspec");
        Assert.Matches($"<dependency id=\"WebSocketGuard.Analyzers\" version=\"{Regex.Escape(_feed.Version)}\"", nuspec);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);

        var aspNet = PackedFeed.ReadEntry(_feed.PackagePath("WebSocketGuard.AspNetCore"), "WebSocketGuard.AspNetCore.nuspec");
        Assert.Matches($"<dependency id=\"WebSocketGuard\" version=\"{Regex.Escape(_feed.Version)}\"", aspNet);
        Assert.Contains("Microsoft.AspNetCore.App", aspNet);
    }

    [Fact]
    public async Task Web_app_consumer_sees_the_warnings_at_the_right_places_and_warnaserror_fails()
    {
        var consumer = Consumer.Create(_feed, "Microsoft.NET.Sdk.Web", "net10.0", "WebSocketGuard.Analyzers", WebProgram);

        var build = await consumer.BuildAsync();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("Program.cs(4,1): warning WSG1002", build.Output);
        Assert.Contains("Program.cs(11,28): warning WSG1002", build.Output);
        Assert.Contains("Program.cs(12,43): warning WSG1011", build.Output);

        var strict = await consumer.BuildAsync("-warnaserror", "--no-incremental");
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("Program.cs(12,43): error WSG1011", strict.Output);
    }

    [Fact]
    public async Task Editorconfig_severity_silences_or_fails_a_rule()
    {
        var silenced = Consumer.Create(_feed, "Microsoft.NET.Sdk.Web", "net10.0", "WebSocketGuard.Analyzers", WebProgram,
            "root = true\n[*.cs]\ndotnet_diagnostic.WSG1011.severity = none\n");
        var quiet = await silenced.BuildAsync();
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.DoesNotContain("WSG1011", quiet.Output);
        Assert.Contains("warning WSG1002", quiet.Output);

        var promoted = Consumer.Create(_feed, "Microsoft.NET.Sdk.Web", "net10.0", "WebSocketGuard.Analyzers", WebProgram,
            "root = true\n[*.cs]\ndotnet_diagnostic.WSG1011.severity = error\n");
        var failing = await promoted.BuildAsync();
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Contains("Program.cs(12,43): error WSG1011", failing.Output);
    }

    [Fact]
    public async Task Dotnet_format_applies_the_fix_on_disk()
    {
        var consumer = Consumer.Create(_feed, "Microsoft.NET.Sdk.Web", "net10.0", "WebSocketGuard.Analyzers", WebProgram);
        var restore = await ProcessRunner.DotnetAsync(consumer.Directory, "restore", consumer.ProjectFile);
        Assert.True(restore.ExitCode == 0, restore.ToString());

        var format = await ProcessRunner.DotnetAsync(consumer.Directory, "format", "analyzers", consumer.ProjectFile, "--diagnostics", "WSG1011", "--no-restore");
        Assert.True(format.ExitCode == 0, format.ToString());
        var program = consumer.ReadProgram();
        Assert.Contains("new Uri(\"wss://chat.example.com/feed\")", program);
        Assert.DoesNotContain("ws://chat", program);

        var build = await consumer.BuildAsync();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("WSG1011", build.Output);
    }

    [Fact]
    public async Task Net8_console_consumer_gets_the_rules_with_dead_peer_advice_as_info()
    {
        var consumer = Consumer.Create(_feed, "Microsoft.NET.Sdk", "net8.0", "WebSocketGuard.Analyzers", ConsoleProgram);
        var build = await consumer.BuildAsync("-warnaserror");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("Program.cs(4,35): error WSG1011", build.Output);
        // .NET 8 has no KeepAliveTimeout, so the missing timeout is advice (Info), which -warnaserror does not promote.
        Assert.DoesNotContain("error WSG1002", build.Output);
        Assert.DoesNotContain("warning WSG1002", build.Output);
    }

    [Fact]
    public async Task Runtime_package_alone_brings_the_rules_and_its_api()
    {
        const string program = """
            using System.Net.WebSockets;
            using WebSocketGuard;

            using var configured = new ClientWebSocket();
            KeepAlive.Configure(configured.Options);
            await configured.ConnectAsync(new Uri("wss://chat.example.com/feed"), CancellationToken.None);

            using var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri("ws://chat.example.com/feed"), CancellationToken.None);
            """;
        var consumer = Consumer.Create(_feed, "Microsoft.NET.Sdk", "net10.0", "WebSocketGuard", program);
        var build = await consumer.BuildAsync();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("Program.cs(9,35): warning WSG1011", build.Output);
        Assert.Contains("Program.cs(8,20): warning WSG1002", build.Output);
        Assert.DoesNotContain("Program.cs(4,", build.Output);
    }

    [Fact]
    public async Task Bundled_sample_shows_every_rule()
    {
        var samples = Path.Combine(_feed.Root, "repo", "samples");
        CopySamples(Path.Combine(PackedFeed.RepositoryRoot, "samples"), samples);
        var build = await ProcessRunner.DotnetAsync(Path.Combine(samples, "AntiPatterns"), "build", "-nodeReuse:false");
        Assert.True(build.ExitCode == 0, build.ToString());

        var ruleFiles = Directory.GetFiles(Path.Combine(samples, "AntiPatterns"), "WSG*_*.cs");
        Assert.NotEmpty(ruleFiles);
        foreach (var file in ruleFiles)
        {
            var id = Path.GetFileName(file)[..7];
            Assert.Matches($@"{Regex.Escape(Path.GetFileName(file))}\(\d+,\d+\): (warning|info) {id}", build.Output);
        }
    }

    private static void CopySamples(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from))
        {
            if (Path.GetFileName(directory) is not ("bin" or "obj"))
            {
                CopySamples(directory, Path.Combine(to, Path.GetFileName(directory)));
            }
        }

        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }
}
