using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Analyzers;

/// <summary>The one place descriptors are made (the name lets the RS1018/RS2008 meta-analyzers see through it).</summary>
internal static class DiagnosticDescriptorHelper
{
    public const string HelpLinkBase = "https://github.com/websocketguard/websocketguard/blob/main/docs/rules/";

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    public static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        string category,
        DiagnosticSeverity defaultSeverity,
        string description)
    {
        return new DiagnosticDescriptor(
            id,
            title,
            messageFormat,
            category,
            defaultSeverity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLink(id),
            customTags: WellKnownDiagnosticTags.Telemetry);
    }
}
