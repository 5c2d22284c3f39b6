using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace WebSocketGuard.Analyzers.Tests;

/// <summary>Every analyzer and fixer the package ships, found by reflection so new rules are covered automatically.</summary>
public static class AllRules
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(WebSocketAnalyzer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
        .OrderBy(t => t.Name)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static ImmutableArray<CodeFixProvider> Fixers { get; } = typeof(WebSocketGuard.CodeFixes.FixSyntax).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
        .OrderBy(t => t.Name)
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static ImmutableArray<DiagnosticDescriptor> Descriptors { get; } = Analyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .GroupBy(d => d.Id)
        .Select(g => g.First())
        .OrderBy(d => d.Id)
        .ToImmutableArray();

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in Descriptors)
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    public static DiagnosticDescriptor Descriptor(string id) => Descriptors.Single(d => d.Id == id);
}
