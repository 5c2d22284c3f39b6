using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.MSBuild;
using Microsoft.CodeAnalysis.Text;

namespace WebSocketGuard.Cli;

/// <summary>What was loaded for a scan: the solution, the projects to analyze, and the folder paths are shown relative to.</summary>
public sealed class LoadedCode : IDisposable
{
    public required Workspace Workspace { get; init; }

    public required Solution Solution { get; init; }

    public required IReadOnlyList<ProjectId> Projects { get; init; }

    public required string Root { get; init; }

    public required string Description { get; init; }

    public void Dispose() => Workspace.Dispose();
}

/// <summary>Thrown for input the tool cannot scan at all; the message is shown to the user.</summary>
public sealed class ScanInputException(string message) : Exception(message);

/// <summary>Turns a folder, project or solution path into Roslyn projects.</summary>
public static class ProjectLoader
{
    // Loose files come from SDK-style projects that often rely on implicit usings.
    private static readonly string[] ImplicitUsings =
    {
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks",
        "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing",
        "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    };

    private static readonly HashSet<string> SkippedFolders = new(StringComparer.OrdinalIgnoreCase) { "bin", "obj", ".git", ".vs", "node_modules" };

    /// <summary>The name of the synthetic document that holds the implicit usings in loose-file mode.</summary>
    public const string ImplicitUsingsDocumentName = "wsguard.ImplicitUsings.g.cs";

    public static async Task<LoadedCode> LoadAsync(ScanOptions options, TextWriter warnings, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.Path);
        if (Directory.Exists(path))
        {
            var buildFile = Directory.EnumerateFiles(path).Where(f => Path.GetExtension(f).ToLowerInvariant() is ".sln" or ".slnx" or ".csproj").Order(StringComparer.Ordinal).FirstOrDefault();
            if (buildFile is not null)
            {
                warnings.WriteLine($"note: scanning {path} as loose files; pass {Path.GetFileName(buildFile)} instead to load it with MSBuild");
            }

            return LoadFolder(path, options.EffectiveFramework);
        }

        if (!File.Exists(path))
        {
            throw new ScanInputException($"path not found: {options.Path}");
        }

        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".csproj" or ".sln" or ".slnx"))
        {
            throw new ScanInputException($"cannot scan '{options.Path}': give a folder of .cs files, a .csproj, or a .sln/.slnx");
        }

        try
        {
            var loaded = await LoadWithMSBuildAsync(path, extension, options.Framework, warnings, cancellationToken).ConfigureAwait(false);
            if (loaded.Projects.Any(id => loaded.Solution.GetProject(id)?.DocumentIds.Count > 0))
            {
                return loaded;
            }

            loaded.Dispose();
            warnings.WriteLine($"warning: MSBuild loaded no C# source from {path}; falling back to loose-file mode over its folder");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            warnings.WriteLine($"warning: MSBuild could not load {path} ({e.GetType().Name}: {e.Message}); falling back to loose-file mode over its folder");
        }

        return LoadFolder(Path.GetDirectoryName(path)!, options.EffectiveFramework);
    }

    /// <summary>Every .cs file under <paramref name="root"/> as one project, compiled against the installed shared frameworks.</summary>
    public static LoadedCode LoadFolder(string root, string framework)
    {
        var references = FrameworkReferences.Find(framework, out var sources)
                         ?? throw new ScanInputException($"no reference assemblies for {framework} were found (looked in {FrameworkReferences.DotnetRoot}/packs, the NuGet cache and {FrameworkReferences.DotnetRoot}/shared); install that runtime or targeting pack, or pick another --framework");

        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview, preprocessorSymbols: PreprocessorSymbols(framework));
        var files = EnumerateSources(root).ToList();
        var projectId = ProjectId.CreateNewId();
        var documents = new List<DocumentInfo>();
        var hasTopLevelStatements = false;
        foreach (var file in files)
        {
            var text = ReadText(file);
            hasTopLevelStatements |= CSharpSyntaxTree.ParseText(text, parseOptions).GetCompilationUnitRoot().Members.Any(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax);
            documents.Add(DocumentInfo.Create(
                DocumentId.CreateNewId(projectId),
                Path.GetFileName(file),
                loader: TextLoader.From(TextAndVersion.Create(text, VersionStamp.Create(), file)),
                filePath: file));
        }

        var usings = string.Concat(ImplicitUsings.Select(u => $"global using global::{u};\n"));
        documents.Add(DocumentInfo.Create(
            DocumentId.CreateNewId(projectId),
            ImplicitUsingsDocumentName,
            loader: TextLoader.From(TextAndVersion.Create(SourceText.From(usings, Encoding.UTF8), VersionStamp.Create())),
            isGenerated: true));

        var compilationOptions = new CSharpCompilationOptions(
            hasTopLevelStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Enable,
            concurrentBuild: true);

        var project = ProjectInfo.Create(
            projectId,
            VersionStamp.Create(),
            name: Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)),
            assemblyName: "wsguard.scan",
            language: LanguageNames.CSharp,
            compilationOptions: compilationOptions,
            parseOptions: parseOptions,
            documents: documents,
            metadataReferences: references);

        // .editorconfig files under the folder and above it, as a build would see them (rule severities, suppressions).
        var editorConfigs = EnumerateSources(root, ".editorconfig")
            .Concat(Ancestors(root).Select(d => Path.Combine(d, ".editorconfig")).Where(File.Exists))
            .Select(path => DocumentInfo.Create(
                DocumentId.CreateNewId(projectId),
                ".editorconfig",
                loader: TextLoader.From(TextAndVersion.Create(ReadText(path), VersionStamp.Create(), path)),
                filePath: path))
            .ToList();
        project = project.WithAnalyzerConfigDocuments(editorConfigs);

        var workspace = new AdhocWorkspace(MefHostServices.DefaultHost);
        var solution = workspace.AddSolution(SolutionInfo.Create(SolutionId.CreateNewId(), VersionStamp.Create(), projects: new[] { project }));
        return new LoadedCode
        {
            Workspace = workspace,
            Solution = solution,
            Projects = new[] { projectId },
            Root = root,
            Description = $"{files.Count} file(s) as loose files against {framework} ({string.Join("; ", sources)})",
        };
    }

    private static IEnumerable<string> Ancestors(string directory)
    {
        for (var parent = Path.GetDirectoryName(directory); parent is not null; parent = Path.GetDirectoryName(parent))
        {
            yield return parent;
        }
    }

    private static IEnumerable<string> EnumerateSources(string root, string pattern = "*.cs")
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var pending = new Stack<string>();
        pending.Push(root);
        var result = new List<string>();
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            result.AddRange(Directory.EnumerateFiles(directory, pattern, options));
            foreach (var child in Directory.EnumerateDirectories(directory, "*", options))
            {
                if (!SkippedFolders.Contains(Path.GetFileName(child)))
                {
                    pending.Push(child);
                }
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static SourceText ReadText(string file)
    {
        using var stream = File.OpenRead(file);
        return SourceText.From(stream, encoding: null, checksumAlgorithm: SourceHashAlgorithm.Sha256, throwIfBinaryDetected: false);
    }

    private static IEnumerable<string> PreprocessorSymbols(string framework)
    {
        // What the SDK defines for the framework, so #if NET8_0_OR_GREATER branches read as they would build.
        var major = framework == "net8.0" ? 8 : 10;
        yield return "TRACE";
        yield return "NET";
        yield return "NETCOREAPP";
        yield return $"NET{major}_0";
        for (var v = 5; v <= major; v++)
        {
            yield return $"NET{v}_0_OR_GREATER";
        }

        foreach (var old in new[] { "1_0", "1_1", "2_0", "2_1", "2_2", "3_0", "3_1" })
        {
            yield return $"NETCOREAPP{old}_OR_GREATER";
        }
    }

    private static void EnsureMSBuildRegistered()
    {
        if (!MSBuildLocator.IsRegistered)
        {
            MSBuildLocator.RegisterDefaults();
        }
    }

    private static async Task<LoadedCode> LoadWithMSBuildAsync(string path, string extension, string? framework, TextWriter warnings, CancellationToken cancellationToken)
    {
        EnsureMSBuildRegistered();
        return await OpenAsync(path, extension, framework, warnings, cancellationToken).ConfigureAwait(false);
    }

    // Kept apart so MSBuild types are touched only after the locator has registered an SDK.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<LoadedCode> OpenAsync(string path, string extension, string? framework, TextWriter warnings, CancellationToken cancellationToken)
    {
        var workspace = MSBuildWorkspace.Create();
        var failures = 0;
        workspace.RegisterWorkspaceFailedHandler(e =>
        {
            if (e.Diagnostic.Kind == WorkspaceDiagnosticKind.Failure && Interlocked.Increment(ref failures) <= 10)
            {
                lock (warnings)
                {
                    warnings.WriteLine($"warning: MSBuild: {e.Diagnostic.Message}");
                }
            }
        });

        try
        {
            Solution solution;
            if (extension == ".csproj")
            {
                solution = (await workspace.OpenProjectAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false)).Solution;
            }
            else
            {
                solution = await workspace.OpenSolutionAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var projects = PickProjects(solution, framework);
            solution = await RepairUnrestoredAsync(solution, projects, framework, warnings, cancellationToken).ConfigureAwait(false);
            return new LoadedCode
            {
                Workspace = workspace,
                Solution = solution,
                Projects = projects,
                Root = Path.GetDirectoryName(path)!,
                Description = $"{path} via MSBuild",
            };
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }

    // A project that was never restored has no framework references, so every rule would stay silent:
    // give it the installed reference assemblies of its framework and say so.
    private static async Task<Solution> RepairUnrestoredAsync(Solution solution, IReadOnlyList<ProjectId> projects, string? framework, TextWriter warnings, CancellationToken cancellationToken)
    {
        foreach (var id in projects)
        {
            var project = solution.GetProject(id)!;
            var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            if (compilation is null || compilation.ObjectType.TypeKind != TypeKind.Error)
            {
                continue;
            }

            var moniker = TargetFrameworkOf(project) ?? framework ?? ScanOptions.DefaultFramework;
            var references = FrameworkReferences.Find(moniker, out _);
            if (references is null)
            {
                warnings.WriteLine($"warning: {project.Name} has no framework references (not restored?) and no {moniker} reference assemblies are installed; run 'dotnet restore' first, or findings will be missing");
                continue;
            }

            warnings.WriteLine($"warning: {project.Name} has no framework references (not restored?); using the installed {moniker} reference assemblies. Run 'dotnet restore' for an exact scan");
            solution = solution.AddMetadataReferences(id, references);
        }

        return solution;
    }

    // "Name(net8.0)" for multi-targeted projects, else the SDK's NETx_0 symbol.
    private static string? TargetFrameworkOf(Project project)
    {
        var open = project.Name.LastIndexOf('(');
        if (open >= 0 && project.Name.EndsWith(')'))
        {
            var moniker = project.Name[(open + 1)..^1];
            if (moniker.StartsWith("net", StringComparison.Ordinal) && moniker.Contains('.'))
            {
                return moniker;
            }
        }

        var symbol = project.ParseOptions?.PreprocessorSymbolNames.FirstOrDefault(n => System.Text.RegularExpressions.Regex.IsMatch(n, @"^NET\d+_0$"));
        return symbol is null ? null : "net" + symbol[3..^2] + ".0";
    }

    // A multi-targeted project loads once per framework: keep the one asked for, or all of them (findings are de-duplicated).
    private static IReadOnlyList<ProjectId> PickProjects(Solution solution, string? framework)
    {
        var picked = new List<ProjectId>();
        foreach (var group in solution.Projects.Where(p => p.Language == LanguageNames.CSharp).GroupBy(p => p.FilePath ?? p.Name))
        {
            var matching = framework is null ? Array.Empty<Project>() : group.Where(p => p.Name.EndsWith($"({framework})", StringComparison.OrdinalIgnoreCase)).ToArray();
            picked.AddRange((matching.Length > 0 ? matching : group.ToArray()).Select(p => p.Id));
        }

        return picked;
    }
}
