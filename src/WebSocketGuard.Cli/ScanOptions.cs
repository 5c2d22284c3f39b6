using Microsoft.CodeAnalysis;

namespace WebSocketGuard.Cli;

/// <summary>The parsed command line of <c>wsguard scan</c>.</summary>
public sealed class ScanOptions
{
    public const string DefaultFramework = "net10.0";

    public static readonly IReadOnlyList<string> SupportedFrameworks = new[] { "net8.0", "net10.0" };

    public required string Path { get; init; }

    public string? SarifPath { get; init; }

    public bool Fix { get; init; }

    public DiagnosticSeverity MinimumSeverity { get; init; } = DiagnosticSeverity.Info;

    /// <summary>Rule ids asked for with --rule, upper-cased; empty means every rule.</summary>
    public IReadOnlyList<string> Rules { get; init; } = Array.Empty<string>();

    /// <summary>The framework asked for with --framework, or null for the default.</summary>
    public string? Framework { get; init; }

    public string EffectiveFramework => Framework ?? DefaultFramework;

    /// <summary>Parses the arguments after "scan"; returns null and an error message on bad input.</summary>
    public static ScanOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string? path = null;
        string? sarif = null;
        string? framework = null;
        var fix = false;
        var severity = DiagnosticSeverity.Info;
        var rules = new List<string>();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is var eq && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string? TakeValue()
            {
                if (inlineValue is not null)
                {
                    return inlineValue.Length == 0 ? null : inlineValue;
                }

                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return args[++i];
                }

                return null;
            }

            switch (arg)
            {
                case "--sarif":
                    sarif = TakeValue();
                    if (sarif is null)
                    {
                        error = "--sarif needs a file name";
                        return null;
                    }

                    break;
                case "--fix":
                    if (inlineValue is not null)
                    {
                        error = "--fix takes no value";
                        return null;
                    }

                    fix = true;
                    break;
                case "--severity-min":
                    var level = TakeValue();
                    switch (level?.ToLowerInvariant())
                    {
                        case "info":
                            severity = DiagnosticSeverity.Info;
                            break;
                        case "warning":
                            severity = DiagnosticSeverity.Warning;
                            break;
                        case "error":
                            severity = DiagnosticSeverity.Error;
                            break;
                        default:
                            error = $"--severity-min must be info, warning or error (got '{level}')";
                            return null;
                    }

                    break;
                case "--rule":
                    var list = TakeValue();
                    if (list is null)
                    {
                        error = "--rule needs a comma-separated list of rule ids, e.g. --rule WSG1002,WSG1011";
                        return null;
                    }

                    foreach (var id in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        rules.Add(id.ToUpperInvariant());
                    }

                    break;
                case "--framework":
                    framework = TakeValue();
                    if (framework is null || !SupportedFrameworks.Contains(framework, StringComparer.OrdinalIgnoreCase))
                    {
                        error = $"--framework must be one of {string.Join(", ", SupportedFrameworks)} (got '{framework}')";
                        return null;
                    }

                    framework = framework.ToLowerInvariant();
                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        error = $"unknown option '{args[i]}'";
                        return null;
                    }

                    if (path is not null)
                    {
                        error = $"only one path can be scanned (got '{path}' and '{arg}')";
                        return null;
                    }

                    path = args[i];
                    break;
            }
        }

        if (path is null)
        {
            error = "scan needs a path: a folder of .cs files, a .csproj, or a .sln/.slnx";
            return null;
        }

        return new ScanOptions
        {
            Path = path,
            SarifPath = sarif,
            Fix = fix,
            MinimumSeverity = severity,
            Rules = rules.Distinct().ToArray(),
            Framework = framework,
        };
    }
}
