using System;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using WebSocketGuard.Analyzers;
using A = WebSocketGuard.Analyzers.SequentialBroadcastAnalyzer;
using SenderPlan = WebSocketGuard.CodeFixes.SequentialBroadcastSenderPlan;

namespace WebSocketGuard.CodeFixes;

/// <summary>
/// WSG1015: turns the sequential loop into <c>Task.WhenAll</c> over the clients, each send with its own 10 s timeout
/// linked to the original token; a client that times out or breaks fails alone. With the runtime referenced, also offers
/// queuing on each connection's <c>WebSocketSender</c>, or one registry broadcast (see <see cref="SequentialBroadcastSenderPlan"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SequentialBroadcastCodeFix)), Shared]
public sealed class SequentialBroadcastCodeFix : CodeFixProvider
{
    public const string EquivalenceKey = "WSG1015.SendConcurrentlyWithTimeout";
    public const string SenderEquivalenceKey = "WSG1015.QueueOnEachSender";
    public const string RegistryEquivalenceKey = "WSG1015.RegistryBroadcast";
    private const int SendTimeoutSeconds = 10;
    private const string TimeoutName = "sendTimeout";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.SequentialBroadcast);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.AdditionalLocations.Count != 1
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax send
                || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not ForEachStatementSyntax loop
                || !loop.Statement.Span.Contains(send.Span)
                || loop.AwaitKeyword != default)
            {
                continue;
            }

            // The lambda parameter is untyped, so the loop variable must have the element type exactly.
            if (diagnostic.Properties.TryGetValue(A.CanRewriteProperty, out var canRewrite) && canRewrite == "true"
                && (loop.Type.IsVar || model.GetForEachStatementInfo(loop).ElementConversion.IsIdentity))
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Send to all clients concurrently, each with a timeout", ct => RewriteAsync(context.Document, loop, send, ct), EquivalenceKey),
                    diagnostic);
            }

            if (SenderPlan.SenderCall(loop, send, model, context.CancellationToken) is { } senderCall)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Queue on each connection's WebSocketSender", ct => SenderPlan.ReplaceSendAsync(context.Document, send, senderCall, ct), SenderEquivalenceKey),
                    diagnostic);
            }

            if (SenderPlan.RegistryBroadcast(loop, send, model, context.CancellationToken) is { } broadcast)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Broadcast through the connection registry", ct => SenderPlan.ReplaceLoopAsync(context.Document, loop, broadcast, ct), RegistryEquivalenceKey),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> RewriteAsync(Document document, ForEachStatementSyntax loop, InvocationExpressionSyntax send, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return document;
        }

        var token = FindTokenArgument(model, send, cancellationToken);
        if (token is null)
        {
            return document;
        }

        // The body with its send bound to the per-send token.
        var replacedToken = SyntaxFactory.ParseExpression(TimeoutName + ".Token").WithTriviaFrom(token.Expression);
        var body = loop.Statement.ReplaceNode(token.Expression, replacedToken);
        var parameter = loop.Identifier.ValueText;
        var collection = loop.Expression.WithoutTrivia().ToString();
        if (loop.Expression is not (SimpleNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax))
        {
            collection = "(" + collection + ")";
        }

        // Written out at the loop's indentation; the body moves two levels in (lambda, try).
        var leading = loop.GetLeadingTrivia();
        var indent = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? leading[leading.Count - 1].ToString() : string.Empty;
        var newLine = loop.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString();
        newLine = newLine.Length == 0 ? "\n" : newLine;
        var blockText = body is BlockSyntax block
            ? block.WithoutTrivia().ToFullString()
            : "{" + newLine + indent + "    " + body.WithoutTrivia().ToFullString() + newLine + indent + "}";
        var bodyText = string.Join(newLine, blockText.Split('\n').Select(l => l.TrimEnd('\r')).Select((l, i) => i == 0 || l.Length == 0 ? l : "    " + l));
        string[] lines =
        {
            "await global::System.Threading.Tasks.Task.WhenAll(" + collection + ".Select(async " + parameter + " =>",
            "{",
            "    using var " + TimeoutName + " = global::System.Threading.CancellationTokenSource.CreateLinkedTokenSource(" + token.Expression.WithoutTrivia().ToString() + ");",
            "    " + TimeoutName + ".CancelAfter(global::System.TimeSpan.FromSeconds(" + SendTimeoutSeconds + "));",
            "    try",
            "    " + bodyText.TrimStart(),
            "    catch (global::System.OperationCanceledException)",
            "    {",
            "        // Past the timeout the send is cancelled and that client's socket aborted; the others are not held up.",
            "    }",
            "    catch (global::System.Net.WebSockets.WebSocketException)",
            "    {",
            "        // A broken client fails alone.",
            "    }",
            "}));",
        };
        var text = string.Join(newLine, lines.Select((l, i) => i == 0 ? l : indent + l));
        var replacement = SyntaxFactory.ParseStatement(text)
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(loop.GetTrailingTrivia())
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var newRoot = root.ReplaceNode(loop, replacement);
        newRoot = ServerFixImports.AddUsingIfMissing(newRoot, model.Compilation, "System.Linq"); // Select: an extension method, no type to annotate
        var newDocument = document.WithSyntaxRoot(newRoot);
        return await ImportAdder.AddImportsAsync(newDocument, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static ArgumentSyntax? FindTokenArgument(SemanticModel model, InvocationExpressionSyntax send, CancellationToken cancellationToken)
    {
        var cancellationTokenType = model.Compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        foreach (var argument in send.ArgumentList.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(argument.Expression, cancellationToken).Type, cancellationTokenType))
            {
                return argument;
            }
        }

        return null;
    }
}
