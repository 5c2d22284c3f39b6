namespace WebSocketGuard.Cli;

/// <summary>The wsguard command line, callable in-process (tests) as well as from <c>Main</c>.</summary>
public static class CliApp
{
    public const int ExitClean = 0;
    public const int ExitFindings = 1;
    public const int ExitBadInput = 2;

    public const string Usage = """
        Usage: wsguard scan <path> [options]

          <path>                 a folder of .cs files (compiled as one project, errors tolerated),
                                 a .csproj, or a .sln/.slnx (loaded with MSBuild)
          --sarif FILE           also write the findings as SARIF 2.1.0 to FILE
          --fix                  apply every available code fix and write the changed files back
          --severity-min LEVEL   info (default), warning or error: report only at or above LEVEL
          --rule ID[,ID...]      run only these rules (e.g. WSG1002,WSG1011)
          --framework TFM        net8.0 or net10.0 (default): framework loose files compile against;
                                 for a multi-targeted project, the target framework to analyze

        Exit code: 0 no findings at or above the minimum severity, 1 findings (or an analyzer
        failure, AD0001), 2 bad input.
        """;

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => RunAsync(args, output, error, catalog: null, cancellationToken);

    /// <summary>As <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>, with the rules given instead of discovered (tests).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, RuleCatalog? catalog, CancellationToken cancellationToken)
    {
        if (args.Length == 0)
        {
            error.WriteLine(Usage);
            return ExitBadInput;
        }

        if (args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return ExitClean;
        }

        if (args[0] != "scan")
        {
            error.WriteLine($"error: unknown command '{args[0]}'");
            error.WriteLine(Usage);
            return ExitBadInput;
        }

        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            output.WriteLine(Usage);
            return ExitClean;
        }

        var options = ScanOptions.Parse(args.Skip(1).ToArray(), out var parseError);
        if (options is null)
        {
            error.WriteLine($"error: {parseError}");
            error.WriteLine("Run 'wsguard --help' for usage.");
            return ExitBadInput;
        }

        catalog ??= RuleCatalog.Load();
        if (catalog.Rules.Count == 0)
        {
            error.WriteLine("error: no analyzers were found in " + RuleCatalog.AnalyzerAssemblyName);
            return ExitBadInput;
        }

        var unknown = options.Rules.Where(r => !catalog.Rules.ContainsKey(r)).ToArray();
        if (unknown.Length > 0)
        {
            error.WriteLine($"error: unknown rule id(s): {string.Join(", ", unknown)}. Known rules: {string.Join(", ", catalog.Rules.Keys)}");
            return ExitBadInput;
        }

        var ruleIds = options.Rules.Count > 0 ? options.Rules.ToHashSet(StringComparer.Ordinal) : catalog.Rules.Keys.ToHashSet(StringComparer.Ordinal);
        var rules = catalog.Rules.Values.Where(r => ruleIds.Contains(r.Id)).ToList();

        LoadedCode code;
        try
        {
            code = await ProjectLoader.LoadAsync(options, error, cancellationToken).ConfigureAwait(false);
        }
        catch (ScanInputException e)
        {
            error.WriteLine($"error: {e.Message}");
            return ExitBadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot read {options.Path}: {e.Message}");
            return ExitBadInput;
        }

        using (code)
        {
            output.WriteLine($"wsguard: scanning {code.Description}");
            output.WriteLine($"rules: {string.Join(", ", ruleIds.Order(StringComparer.Ordinal))}");
            output.WriteLine();

            var scanner = new Scanner(catalog, ruleIds, options.MinimumSeverity);
            var result = await scanner.ScanAsync(code.Solution, code.Projects, code.Root, cancellationToken).ConfigureAwait(false);
            TextReport.Write(output, result, rules);
            ReportFailures(error, result);

            if (options.Fix)
            {
                result = await FixAsync(options, catalog, scanner, ruleIds, code, result, output, error, cancellationToken).ConfigureAwait(false);
            }

            if (options.SarifPath is not null)
            {
                try
                {
                    var sarifPath = Path.GetFullPath(options.SarifPath);
                    Directory.CreateDirectory(Path.GetDirectoryName(sarifPath)!);
                    await using var stream = File.Create(sarifPath);
                    SarifReport.Write(stream, result, rules, code.Root);
                    output.WriteLine($"SARIF written to {sarifPath}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"error: cannot write SARIF to {options.SarifPath}: {e.Message}");
                    return ExitBadInput;
                }
            }

            return result.Findings.Count > 0 || result.Failures.Count > 0 ? ExitFindings : ExitClean;
        }
    }

    private static async Task<ScanResult> FixAsync(ScanOptions options, RuleCatalog catalog, Scanner scanner, HashSet<string> ruleIds, LoadedCode code, ScanResult before, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        output.WriteLine();
        if (before.Findings.Count == 0)
        {
            output.WriteLine("fix: nothing to fix");
            return before;
        }

        var fixer = new Fixer(catalog, scanner, ruleIds, options.MinimumSeverity, error);
        // A file shared by several target frameworks is fixed once, through the --framework target or else the
        // first one listed: a fix for the newest framework (say, KeepAliveTimeout) could break the older builds.
        var projects = code.Projects
            .Select(id => code.Solution.GetProject(id)!)
            .GroupBy(p => p.FilePath ?? p.Name)
            .Select(g => (g.FirstOrDefault(p => options.Framework is not null && p.Name.EndsWith($"({options.Framework})", StringComparison.OrdinalIgnoreCase)) ?? g.First()).Id)
            .ToList();
        var fixedSolution = await fixer.FixAsync(code.Solution, projects, cancellationToken).ConfigureAwait(false);
        var written = await Fixer.WriteChangesAsync(code.Solution, fixedSolution, cancellationToken).ConfigureAwait(false);
        foreach (var path in written)
        {
            output.WriteLine($"fixed: {Scanner.RelativePath(code.Root, path)}");
        }

        var rescanned = await Fixer.SyncCopiesAsync(code.Solution, fixedSolution, cancellationToken).ConfigureAwait(false);
        var after = await scanner.ScanAsync(rescanned, code.Projects, code.Root, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"fix: {written.Count} file(s) changed; {before.Findings.Count - after.Findings.Count} finding(s) fixed, {after.Findings.Count} remain");
        foreach (var finding in after.Findings)
        {
            output.WriteLine($"  {finding.RelativePath}({finding.StartLine},{finding.StartColumn}): {TextReport.SeverityText(finding.Severity)} {finding.RuleId}: {finding.Message}");
        }

        ReportFailures(error, after);
        return after;
    }

    // Analyzer exceptions mean silently missing findings, so they also go to stderr.
    private static void ReportFailures(TextWriter error, ScanResult result)
    {
        foreach (var failure in result.Failures)
        {
            error.WriteLine($"ERROR {Scanner.AnalyzerExceptionId}: analyzer {failure.Analyzer} threw; its findings are incomplete: {failure.Message}");
        }
    }
}
