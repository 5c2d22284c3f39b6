using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace WebSocketGuard.Analyzers.Tests;

/// <summary>
/// Every C# snippet written in the rule tests (raw string literals), with test markup removed,
/// so robustness checks cover each new test without anyone registering it.
/// </summary>
public static partial class TestSnippets
{
    private static readonly Lazy<IReadOnlyList<string>> Snippets = new(Load);

    public static IReadOnlyList<string> All() => Snippets.Value;

    private static IReadOnlyList<string> Load()
    {
        var folder = Path.Combine(TestEnvironment.RepositoryRoot, "tests", "WebSocketGuard.Analyzers.Tests", "Rules");
        var result = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (var token in root.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) || token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
                {
                    var text = StripMarkup(token.ValueText);
                    if (text.Contains("class ", StringComparison.Ordinal) || text.Contains("await ", StringComparison.Ordinal))
                    {
                        result.Add(text);
                    }
                }
            }
        }

        return result.Distinct().ToList();
    }

    public static string StripMarkup(string text) => Markup().Replace(text, string.Empty);

    // {|#0:  {|WSG1002:  |}  [|  |]
    [GeneratedRegex(@"\{\|[^:|{}]*:|\|\}|\[\||\|\]")]
    private static partial Regex Markup();
}
