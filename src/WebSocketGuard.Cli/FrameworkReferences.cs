using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Cli;

/// <summary>
/// Finds the framework assemblies loose files are compiled against, without any download:
/// reference packs next to the running dotnet, then the NuGet cache, then the shared runtime itself.
/// </summary>
public static class FrameworkReferences
{
    private static readonly (string Framework, string Pack)[] Frameworks =
    {
        ("Microsoft.NETCore.App", "Microsoft.NETCore.App.Ref"),
        ("Microsoft.AspNetCore.App", "Microsoft.AspNetCore.App.Ref"),
    };

    /// <summary>The dotnet installation the tool runs on.</summary>
    public static string DotnetRoot
    {
        get
        {
            // CoreLib lives in <root>/shared/Microsoft.NETCore.App/<version>/.
            var coreLibDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);
            var fromRuntime = coreLibDirectory is null ? null : Path.GetFullPath(Path.Combine(coreLibDirectory, "..", "..", ".."));
            if (fromRuntime is not null && Directory.Exists(Path.Combine(fromRuntime, "shared")))
            {
                return fromRuntime;
            }

            return Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? fromRuntime ?? string.Empty;
        }
    }

    /// <summary>
    /// The reference set for <paramref name="moniker"/> (net8.0, net10.0), or null when even the base
    /// framework cannot be found. <paramref name="sources"/> says where each part came from.
    /// </summary>
    public static IReadOnlyList<MetadataReference>? Find(string moniker, out IReadOnlyList<string> sources)
    {
        var major = int.Parse(moniker.AsSpan(3, moniker.IndexOf('.') - 3), System.Globalization.CultureInfo.InvariantCulture);
        var found = new List<string>();
        var references = new List<MetadataReference>();
        foreach (var (framework, pack) in Frameworks)
        {
            var directory = FindPack(pack, major, moniker) ?? FindShared(framework, major);
            if (directory is null)
            {
                if (references.Count == 0)
                {
                    sources = found;
                    return null;
                }

                found.Add($"{framework}: not found (its types stay unresolved)");
                continue;
            }

            found.Add($"{framework}: {directory}");
            references.AddRange(LoadDirectory(directory));
        }

        sources = found;
        return references;
    }

    private static string? FindPack(string pack, int major, string moniker)
    {
        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var root in new[] { Path.Combine(DotnetRoot, "packs", pack), Path.Combine(nugetRoot, pack.ToLowerInvariant()) })
        {
            var version = HighestVersion(root, major, v => Directory.Exists(Path.Combine(v, "ref", moniker)));
            if (version is not null)
            {
                return Path.Combine(version, "ref", moniker);
            }
        }

        return null;
    }

    private static string? FindShared(string framework, int major)
        => HighestVersion(Path.Combine(DotnetRoot, "shared", framework), major, v => File.Exists(Path.Combine(v, framework == "Microsoft.NETCore.App" ? "System.Runtime.dll" : "Microsoft.AspNetCore.Http.Abstractions.dll")));

    private static string? HighestVersion(string root, int major, Func<string, bool> usable)
    {
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.EnumerateDirectories(root)
            .Select(d => (Directory: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
            .Where(x => x.Version?.Major == major && usable(x.Directory))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Directory)
            .FirstOrDefault();
    }

    private static IEnumerable<MetadataReference> LoadDirectory(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            if (HasMetadata(file))
            {
                yield return MetadataReference.CreateFromFile(file);
            }
        }
    }

    // The shared runtime also holds native libraries; only managed assemblies are references.
    private static bool HasMetadata(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            using var reader = new PEReader(stream);
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
