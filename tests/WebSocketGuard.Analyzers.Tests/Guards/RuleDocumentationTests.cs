using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace WebSocketGuard.Analyzers.Tests.Guards;

/// <summary>Docs, README and release tracking are checked against the descriptors, not kept in step by memory.</summary>
public class RuleDocumentationTests
{
    private static readonly string Root = TestEnvironment.RepositoryRoot;

    [Fact]
    public void Every_rule_is_found()
    {
        Assert.NotEmpty(AllRules.Descriptors);
        Assert.All(AllRules.Descriptors, d => Assert.Matches("^WSG[1-4][0-9]{3}$", d.Id));
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Help_link_points_at_the_rule_page(string id)
    {
        var descriptor = AllRules.Descriptor(id);
        Assert.Equal($"https://github.com/websocketguard/websocketguard/blob/main/docs/rules/{id}.md", descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Rule_page_matches_descriptor(string id)
    {
        var descriptor = AllRules.Descriptor(id);
        var path = Path.Combine(Root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(path), $"docs/rules/{id}.md is missing");
        var text = File.ReadAllText(path);
        var firstLine = text.Split('\n')[0].TrimEnd('\r');
        Assert.Equal($"# {id}: {descriptor.Title}", firstLine);
        Assert.Matches($@"\|\s*\*\*Rule ID\*\*\s*\|\s*{id}\s*\|", text);
        Assert.Matches($@"\|\s*\*\*Category\*\*\s*\|\s*{descriptor.Category}\s*\|", text);
        Assert.Matches($@"\|\s*\*\*Default severity\*\*\s*\|\s*{descriptor.DefaultSeverity}\b", text);
        foreach (var heading in new[] { "## Cause", "## Why it matters", "## How to fix", "## Examples", "## Configuration", "## When to suppress", "## Related rules", "## References" })
        {
            Assert.Contains(heading, text);
        }
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Rule_page_says_whether_there_is_a_fix(string id)
    {
        var hasFix = AllRules.Fixers.Any(f => f.FixableDiagnosticIds.Contains(id));
        var text = File.ReadAllText(Path.Combine(Root, "docs", "rules", id + ".md"));
        Assert.Matches($@"\|\s*\*\*Code fix\*\*\s*\|\s*{(hasFix ? "Yes" : "No")}", text);
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Readme_table_has_the_rule(string id)
    {
        var descriptor = AllRules.Descriptor(id);
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var row = readme.Split('\n').SingleOrDefault(l => l.StartsWith($"| [{id}](docs/rules/{id}.md) |", StringComparison.Ordinal));
        Assert.True(row is not null, $"README.md has no rule-table row for {id}");
        var cells = row!.Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal(descriptor.Title.ToString(), cells[2]);
        Assert.Equal(descriptor.Category, cells[3]);
        Assert.StartsWith(descriptor.DefaultSeverity.ToString(), cells[4]);
        var hasFix = AllRules.Fixers.Any(f => f.FixableDiagnosticIds.Contains(id));
        Assert.Equal(hasFix ? "Yes" : "No", cells[5]);
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Release_tracking_has_the_rule(string id)
    {
        var descriptor = AllRules.Descriptor(id);
        var folder = Path.Combine(Root, "src", "WebSocketGuard.Analyzers");
        var rows = File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Shipped.md"))
            .Concat(File.ReadAllLines(Path.Combine(folder, "AnalyzerReleases.Unshipped.md")))
            .Where(l => l.StartsWith(id + " ", StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToList();
        Assert.NotEmpty(rows);
        Assert.Contains(rows, r => r[1] == descriptor.Category && r[2] == descriptor.DefaultSeverity.ToString());
    }

    [Theory]
    [MemberData(nameof(AllRules.Ids), MemberType = typeof(AllRules))]
    public void Sample_project_shows_the_rule(string id)
    {
        var samples = Directory.GetFiles(Path.Combine(Root, "samples", "AntiPatterns"), id + "_*.cs");
        Assert.True(samples.Length == 1, $"samples/AntiPatterns needs exactly one {id}_*.cs file");
    }

    [Fact]
    public void Every_page_in_docs_rules_belongs_to_a_rule()
    {
        var ids = AllRules.Descriptors.Select(d => d.Id).ToHashSet();
        var pages = Directory.GetFiles(Path.Combine(Root, "docs", "rules"), "WSG*.md").Select(Path.GetFileNameWithoutExtension);
        Assert.All(pages, page => Assert.Contains(page!, ids));
    }

    [Fact]
    public void Every_fixer_has_a_constant_equivalence_key()
    {
        Assert.All(AllRules.Fixers, fixer =>
        {
            var field = fixer.GetType().GetField("EquivalenceKey");
            Assert.True(field is { IsLiteral: true }, $"{fixer.GetType().Name} needs a public const EquivalenceKey");
            Assert.NotNull(fixer.GetFixAllProvider());
        });
    }
}
