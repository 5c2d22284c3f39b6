using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace WebSocketGuard.Cli;

/// <summary>One rule as the tool presents it: its descriptor, a stable name, and whether a code fix exists.</summary>
public sealed record RuleInfo(DiagnosticDescriptor Descriptor, string Name, bool HasFix)
{
    public string Id => Descriptor.Id;
}

/// <summary>
/// Every analyzer and code fix in the two WebSocketGuard assemblies, found by reflection so that
/// rules added later are picked up without touching the tool.
/// </summary>
public sealed class RuleCatalog
{
    public const string AnalyzerAssemblyName = "WebSocketGuard.Analyzers";
    public const string CodeFixAssemblyName = "WebSocketGuard.CodeFixes";

    private RuleCatalog(ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers, IReadOnlyDictionary<string, RuleInfo> rules)
    {
        Analyzers = analyzers;
        Fixers = fixers;
        Rules = rules;
    }

    public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

    public ImmutableArray<CodeFixProvider> Fixers { get; }

    /// <summary>Rules by id, in id order.</summary>
    public IReadOnlyDictionary<string, RuleInfo> Rules { get; }

    public static RuleCatalog Load()
        => Load(Assembly.Load(new AssemblyName(AnalyzerAssemblyName)), Assembly.Load(new AssemblyName(CodeFixAssemblyName)));

    public static RuleCatalog Load(Assembly analyzerAssembly, Assembly codeFixAssembly)
    {
        var analyzers = Instantiate<DiagnosticAnalyzer>(analyzerAssembly, t => t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)));
        var fixers = Instantiate<CodeFixProvider>(codeFixAssembly, t => t.GetCustomAttributes<ExportCodeFixProviderAttribute>().Any());

        var names = RuleIdNames(analyzerAssembly);
        var fixable = fixers.SelectMany(f => f.FixableDiagnosticIds).ToHashSet(StringComparer.Ordinal);
        var rules = new SortedDictionary<string, RuleInfo>(StringComparer.Ordinal);
        foreach (var analyzer in analyzers)
        {
            foreach (var descriptor in analyzer.SupportedDiagnostics)
            {
                var name = names.GetValueOrDefault(descriptor.Id) ?? TrimSuffix(analyzer.GetType().Name, "Analyzer");
                rules.TryAdd(descriptor.Id, new RuleInfo(descriptor, name, fixable.Contains(descriptor.Id)));
            }
        }

        return new RuleCatalog(analyzers, fixers, rules);
    }

    /// <summary>The analyzers that report at least one of <paramref name="ruleIds"/>.</summary>
    public ImmutableArray<DiagnosticAnalyzer> AnalyzersFor(IReadOnlyCollection<string> ruleIds)
        => Analyzers.Where(a => a.SupportedDiagnostics.Any(d => ruleIds.Contains(d.Id))).ToImmutableArray();

    public IEnumerable<CodeFixProvider> FixersFor(string ruleId) => Fixers.Where(f => f.FixableDiagnosticIds.Contains(ruleId));

    // The names of the RuleIds constants ("MissingDeadPeerDetection" = "WSG1002") are the rules' stable identifiers.
    private static Dictionary<string, string> RuleIdNames(Assembly assembly)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var ruleIds = LoadableTypes(assembly).FirstOrDefault(t => t.Name == "RuleIds" && t.IsAbstract && t.IsSealed);
        foreach (var field in ruleIds?.GetFields(BindingFlags.Public | BindingFlags.Static) ?? Array.Empty<FieldInfo>())
        {
            if (field.IsLiteral && field.GetRawConstantValue() is string id)
            {
                names.TryAdd(id, field.Name);
            }
        }

        return names;
    }

    private static string TrimSuffix(string name, string suffix)
        => name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length ? name[..^suffix.Length] : name;

    private static ImmutableArray<T> Instantiate<T>(Assembly assembly, Func<Type, bool> isExported)
        where T : class
    {
        return LoadableTypes(assembly)
            .Where(t => !t.IsAbstract && typeof(T).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null && isExported(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (T)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static Type[] LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.Where(t => t is not null).ToArray()!;
        }
    }
}
