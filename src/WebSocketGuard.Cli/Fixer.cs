using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace WebSocketGuard.Cli;

/// <summary>
/// Applies every available code fix, rule by rule: through the fixer's fix-all provider when it has one,
/// then one diagnostic at a time for whatever is left, re-analyzing after each change.
/// </summary>
public sealed class Fixer(RuleCatalog catalog, Scanner scanner, IReadOnlyCollection<string> ruleIds, DiagnosticSeverity minimumSeverity, TextWriter log)
{
    // Guards against a fixer that keeps producing a change without removing its diagnostic.
    private const int MaxSingleFixes = 500;

    public async Task<Solution> FixAsync(Solution solution, IReadOnlyList<ProjectId> projects, CancellationToken cancellationToken)
    {
        foreach (var ruleId in ruleIds.Order(StringComparer.Ordinal))
        {
            foreach (var fixer in catalog.FixersFor(ruleId))
            {
                solution = await FixRuleAsync(solution, projects, ruleId, fixer, cancellationToken).ConfigureAwait(false);
            }
        }

        return solution;
    }

    /// <summary>Gives every copy of a changed file (one per target framework) the fixed text, so a rescan sees the files as written.</summary>
    public static async Task<Solution> SyncCopiesAsync(Solution original, Solution changed, CancellationToken cancellationToken)
    {
        var result = changed;
        foreach (var projectChanges in changed.GetChanges(original).GetProjectChanges())
        {
            foreach (var documentId in projectChanges.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true))
            {
                var document = changed.GetDocument(documentId);
                if (document?.FilePath is not { } path)
                {
                    continue;
                }

                var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                foreach (var copy in changed.GetDocumentIdsWithFilePath(path).Where(id => id != documentId))
                {
                    result = result.WithDocumentText(copy, text);
                }
            }
        }

        return result;
    }

    /// <summary>Writes every document that differs from <paramref name="original"/> back to its file; returns their paths.</summary>
    public static async Task<IReadOnlyList<string>> WriteChangesAsync(Solution original, Solution changed, CancellationToken cancellationToken)
    {
        var written = new List<string>();
        foreach (var projectChanges in changed.GetChanges(original).GetProjectChanges())
        {
            foreach (var documentId in projectChanges.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true))
            {
                var document = changed.GetDocument(documentId);
                if (document?.FilePath is not { } path || written.Contains(path))
                {
                    continue;
                }

                var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                var encoding = EncodingOnDisk(path, text.Encoding);
                await File.WriteAllTextAsync(path, text.ToString(), encoding, cancellationToken).ConfigureAwait(false);
                written.Add(path);
            }
        }

        written.Sort(StringComparer.Ordinal);
        return written;
    }

    // Keep the file's byte-order mark as it was: Roslyn reports UTF-8 for files with and without one.
    private static Encoding EncodingOnDisk(string path, Encoding? detected)
    {
        var head = new byte[3];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.Read(head, 0, head.Length);
        }

        if (read == 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: true);
        }

        if (read >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)) && detected is not null)
        {
            return detected;
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    }

    private async Task<Solution> FixRuleAsync(Solution solution, IReadOnlyList<ProjectId> projects, string ruleId, CodeFixProvider fixer, CancellationToken cancellationToken)
    {
        var diagnostics = await DiagnosticsAsync(solution, projects, ruleId, cancellationToken).ConfigureAwait(false);
        if (diagnostics.Count == 0)
        {
            return solution;
        }

        var fixAll = fixer.GetFixAllProvider();
        if (fixAll is not null && fixAll.GetSupportedFixAllScopes().Contains(FixAllScope.Solution))
        {
            var (document, diagnostic) = diagnostics[0];
            var first = await FirstActionAsync(fixer, document, diagnostic, cancellationToken).ConfigureAwait(false);
            if (first is not null)
            {
                try
                {
                    var provider = new ProjectDiagnostics(this, projects, ruleId);
                    var context = new FixAllContext(document, fixer, FixAllScope.Solution, first.EquivalenceKey, new[] { ruleId }, provider, cancellationToken);
                    var action = await fixAll.GetFixAsync(context).ConfigureAwait(false);
                    var fixedSolution = action is null ? null : await ApplyAsync(action, solution, cancellationToken).ConfigureAwait(false);
                    if (fixedSolution is not null)
                    {
                        solution = fixedSolution; // what a batch could not merge is picked up one by one below
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.WriteLine($"warning: fix-all for {ruleId} with {fixer.GetType().Name} failed ({e.Message}); fixing one by one");
                }
            }
        }

        return await FixOneByOneAsync(solution, projects, ruleId, fixer, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Solution> FixOneByOneAsync(Solution solution, IReadOnlyList<ProjectId> projects, string ruleId, CodeFixProvider fixer, CancellationToken cancellationToken)
    {
        var unfixable = new HashSet<(string?, int, string)>();
        for (var round = 0; round < MaxSingleFixes; round++)
        {
            var changed = false;
            foreach (var (document, diagnostic) in await DiagnosticsAsync(solution, projects, ruleId, cancellationToken).ConfigureAwait(false))
            {
                var key = (document.FilePath, diagnostic.Location.SourceSpan.Start, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
                if (unfixable.Contains(key))
                {
                    continue;
                }

                var action = await FirstActionAsync(fixer, document, diagnostic, cancellationToken).ConfigureAwait(false);
                var fixedSolution = action is null ? null : await ApplyAsync(action, solution, cancellationToken).ConfigureAwait(false);
                if (fixedSolution is null)
                {
                    unfixable.Add(key);
                    continue;
                }

                solution = fixedSolution;
                changed = true;
                break; // positions moved: analyze again
            }

            if (!changed)
            {
                break;
            }
        }

        return solution;
    }

    private static async Task<CodeAction?> FirstActionAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
        await fixer.RegisterCodeFixesAsync(context).ConfigureAwait(false);
        var first = actions.FirstOrDefault();
        while (first is not null && !first.NestedActions.IsDefaultOrEmpty)
        {
            first = first.NestedActions[0];
        }

        return first;
    }

    private static async Task<Solution?> ApplyAsync(CodeAction action, Solution solution, CancellationToken cancellationToken)
    {
        var operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
        var apply = operations.OfType<ApplyChangesOperation>().FirstOrDefault();
        if (apply is null || apply.ChangedSolution.GetChanges(solution).GetProjectChanges().All(p => !p.GetChangedDocuments(true).Any() && !p.GetAddedDocuments().Any()))
        {
            return null;
        }

        return apply.ChangedSolution;
    }

    private async Task<IReadOnlyList<(Document Document, Diagnostic Diagnostic)>> DiagnosticsAsync(Solution solution, IReadOnlyList<ProjectId> projects, string ruleId, CancellationToken cancellationToken)
    {
        var result = new List<(Document, Diagnostic)>();
        foreach (var projectId in projects)
        {
            if (solution.GetProject(projectId) is not { } project)
            {
                continue;
            }

            foreach (var diagnostic in await ProjectDiagnosticsAsync(project, ruleId, cancellationToken).ConfigureAwait(false))
            {
                if (project.GetDocument(diagnostic.Location.SourceTree) is { } document)
                {
                    result.Add((document, diagnostic));
                }
            }
        }

        return result;
    }

    private async Task<ImmutableArray<Diagnostic>> ProjectDiagnosticsAsync(Project project, string ruleId, CancellationToken cancellationToken)
    {
        var (diagnostics, _) = await scanner.AnalyzeAsync(project, cancellationToken).ConfigureAwait(false);
        return diagnostics.Where(d => d.Id == ruleId && !d.IsSuppressed && d.Severity != DiagnosticSeverity.Hidden && d.Severity >= minimumSeverity).ToImmutableArray();
    }

    /// <summary>Feeds fix-all the same diagnostics the scan reports, limited to the scanned projects.</summary>
    private sealed class ProjectDiagnostics(Fixer owner, IReadOnlyList<ProjectId> projects, string ruleId) : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
            return (await GetAllDiagnosticsAsync(document.Project, cancellationToken).ConfigureAwait(false)).Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult(Enumerable.Empty<Diagnostic>()); // only diagnostics without a location, which the rules never report

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => projects.Contains(project.Id) ? await owner.ProjectDiagnosticsAsync(project, ruleId, cancellationToken).ConfigureAwait(false) : Enumerable.Empty<Diagnostic>();
    }
}
