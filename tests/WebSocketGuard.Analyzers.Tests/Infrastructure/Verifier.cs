using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace WebSocketGuard.Analyzers.Tests;

/// <summary>
/// VerifyCS-style helpers: analyzer and code-fix tests against real .NET 8 or .NET 10 reference packs,
/// optionally with ASP.NET Core and the WebSocketGuard runtime. Fixed code must compile.
/// </summary>
public static class Verifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic() => new DiagnosticResult(new TAnalyzer().SupportedDiagnostics[0]);

    public static DiagnosticResult Diagnostic(DiagnosticSeverity severity) => Diagnostic().WithSeverity(severity);

    public static Task VerifyAnalyzerAsync(
        string source,
        TargetFramework framework = TargetFramework.Net100,
        ProjectReferences references = ProjectReferences.None,
        params DiagnosticResult[] expected)
    {
        var test = Create(framework, references);
        test.TestCode = source;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public static Task VerifyCodeFixAsync(
        string source,
        string fixedSource,
        TargetFramework framework = TargetFramework.Net100,
        ProjectReferences references = ProjectReferences.None,
        params DiagnosticResult[] expected)
    {
        var test = Create(framework, references);
        test.TestCode = source;
        test.FixedCode = fixedSource;
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>A test with several documents, or fix-all, or other settings the short forms do not cover.</summary>
    public static Test Create(TargetFramework framework = TargetFramework.Net100, ProjectReferences references = ProjectReferences.None)
        => new(framework, references);

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test(TargetFramework framework, ProjectReferences references)
        {
            // The reference packs come from PackageDownload; nothing is resolved over the network.
            ReferenceAssemblies = new ReferenceAssemblies(TestEnvironment.Moniker(framework));
            TestState.AdditionalReferences.AddRange(TestEnvironment.References(framework, references));
            TestState.OutputKind = OutputKind.DynamicallyLinkedLibrary;
        }

        protected override ParseOptions CreateParseOptions()
            => ((Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12);
    }
}
