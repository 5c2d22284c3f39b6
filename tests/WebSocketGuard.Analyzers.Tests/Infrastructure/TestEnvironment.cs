using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers.Tests;

/// <summary>The frameworks snippets are compiled against.</summary>
public enum TargetFramework
{
    /// <summary>.NET 8: no KeepAliveTimeout anywhere.</summary>
    Net80,

    /// <summary>.NET 10: KeepAliveTimeout on every options type.</summary>
    Net100,
}

/// <summary>What a snippet's project references, besides the framework.</summary>
[Flags]
public enum ProjectReferences
{
    None = 0,
    AspNetCore = 1,
    Runtime = 2,
}

/// <summary>Locates the reference packs (restored by PackageDownload) and the runtime build, with no download.</summary>
public static class TestEnvironment
{
    private static readonly ConcurrentDictionary<(TargetFramework, ProjectReferences), IReadOnlyList<MetadataReference>> Cache = new();

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    private static string NuGetPackageRoot { get; } = Metadata("NuGetPackageRoot");

    private static string Configuration { get; } = Metadata("Configuration");

    public static IReadOnlyList<MetadataReference> References(TargetFramework framework, ProjectReferences references)
        => Cache.GetOrAdd((framework, references), key => Load(key.Item1, key.Item2));

    public static string Moniker(TargetFramework framework) => framework == TargetFramework.Net80 ? "net8.0" : "net10.0";

    private static IReadOnlyList<MetadataReference> Load(TargetFramework framework, ProjectReferences references)
    {
        var moniker = Moniker(framework);
        var version = framework == TargetFramework.Net80 ? "8.0.0" : "10.0.10";
        var paths = new List<string>();
        paths.AddRange(Directory.GetFiles(Pack("microsoft.netcore.app.ref", version, moniker), "*.dll"));
        if (references.HasFlag(ProjectReferences.AspNetCore))
        {
            paths.AddRange(Directory.GetFiles(Pack("microsoft.aspnetcore.app.ref", version, moniker), "*.dll"));
        }

        if (references.HasFlag(ProjectReferences.Runtime))
        {
            paths.Add(RuntimeAssembly("WebSocketGuard", moniker));
            if (references.HasFlag(ProjectReferences.AspNetCore))
            {
                paths.Add(RuntimeAssembly("WebSocketGuard.AspNetCore", moniker));
            }
        }

        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    }

    private static string Pack(string id, string version, string moniker)
    {
        var path = Path.Combine(NuGetPackageRoot, id, version, "ref", moniker);
        if (!Directory.Exists(path))
        {
            throw new InvalidOperationException($"Reference pack {id} {version} is missing at {path}; run 'dotnet restore' on the test project.");
        }

        return path;
    }

    private static string RuntimeAssembly(string name, string moniker)
    {
        var path = Path.Combine(RepositoryRoot, "src", name, "bin", Configuration, moniker, name + ".dll");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing; build the test project, which builds the runtime for both frameworks.");
        }

        return path;
    }

    private static string Metadata(string key)
        => typeof(TestEnvironment).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
