namespace WebSocketGuard.PackageTests;

/// <summary>A fresh project outside the repository that restores our packages from the temporary feed.</summary>
public sealed class Consumer
{
    private Consumer(string directory) => Directory = directory;

    public string Directory { get; }

    public string ProjectFile => Path.Combine(Directory, "Consumer.csproj");

    public static Consumer Create(PackedFeed feed, string sdk, string framework, string packageId, string programText, string? editorConfig = null)
    {
        var directory = Path.Combine(feed.Root, "consumer-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <TargetFramework>{framework}</TargetFramework>
                <OutputType>Exe</OutputType>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{packageId}" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="wsg-test-feed" value="{feed.Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), programText);
        if (editorConfig is not null)
        {
            File.WriteAllText(Path.Combine(directory, ".editorconfig"), editorConfig);
        }

        return new Consumer(directory);
    }

    public Task<ProcessRunner.Result> BuildAsync(params string[] extra)
        => ProcessRunner.DotnetAsync(Directory, new[] { "build", ProjectFile, "-nodeReuse:false", "-consoleLoggerParameters:NoSummary" }.Concat(extra).ToArray());

    public string ReadProgram() => File.ReadAllText(Path.Combine(Directory, "Program.cs"));
}
