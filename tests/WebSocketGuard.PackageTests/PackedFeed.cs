using System.IO.Compression;
using System.Reflection;
using Xunit;

namespace WebSocketGuard.PackageTests;

/// <summary>
/// Packs the three packages from a copy of the sources (so the running test build is not disturbed)
/// into a temporary feed, with a version no earlier run has put in the NuGet cache.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "wsg-pack-" + Guid.NewGuid().ToString("N")[..8]);

    public string Feed => Path.Combine(Root, "feed");

    public string Version { get; } = "0.1.0-test" + DateTime.UtcNow.ToString("yyyyMMddHHmmss");

    public static string RepositoryRoot { get; } = typeof(PackedFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public async Task InitializeAsync()
    {
        var sources = Path.Combine(Root, "repo");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" })
        {
            Directory.CreateDirectory(sources);
            File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(sources, file));
        }

        CopyTree(Path.Combine(RepositoryRoot, "src"), Path.Combine(sources, "src"));

        foreach (var project in new[] { "WebSocketGuard.Analyzers.Package", "WebSocketGuard", "WebSocketGuard.AspNetCore" })
        {
            var result = await ProcessRunner.DotnetAsync(sources, "pack", $"src/{project}/{project}.csproj", "-c", "Release", "-o", Feed, $"-p:Version={Version}");
            Assert.True(result.ExitCode == 0, $"pack {project} failed: {result}");
        }
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }

        return Task.CompletedTask;
    }

    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public static IReadOnlyList<string> Entries(string nupkg)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        return archive.Entries.Select(e => e.FullName).ToList();
    }

    public static string ReadEntry(string nupkg, string name)
    {
        using var archive = ZipFile.OpenRead(nupkg);
        using var reader = new StreamReader(archive.Entries.Single(e => e.FullName == name).Open());
        return reader.ReadToEnd();
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is "bin" or "obj")
            {
                continue;
            }

            CopyTree(directory, Path.Combine(to, name));
        }

        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
