namespace WebSocketGuard.Analyzers;

/// <summary>The .NET analyzer category names, so <c>dotnet_analyzer_diagnostic.category-*.severity</c> covers our rules too.</summary>
internal static class RuleCategories
{
    public const string Reliability = "Reliability";
    public const string Security = "Security";
    public const string Performance = "Performance";
    public const string Usage = "Usage";
}
