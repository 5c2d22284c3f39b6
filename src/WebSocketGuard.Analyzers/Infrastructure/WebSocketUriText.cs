using System;

namespace WebSocketGuard.Analyzers;

/// <summary>Reads the host out of the literal start of a <c>ws://</c> URL, tolerating partial literals.</summary>
internal static class WebSocketUriText
{
    public const string PlainScheme = "ws://";

    /// <summary>
    /// True when <paramref name="literalPrefix"/> starts a <c>ws://</c> URL whose host is fully literal and not loopback.
    /// <paramref name="isComplete"/> says whether the literal is the whole URL (else something is appended after it).
    /// </summary>
    public static bool IsPlaintextRemote(string literalPrefix, bool isComplete, out string host)
    {
        host = string.Empty;
        if (literalPrefix.Length <= PlainScheme.Length
            || !literalPrefix.StartsWith(PlainScheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = literalPrefix.Substring(PlainScheme.Length);
        var authorityEnd = rest.IndexOfAny(new[] { '/', '?', '#' });
        var authority = authorityEnd < 0 ? rest : rest.Substring(0, authorityEnd);
        var terminated = authorityEnd >= 0;

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            authority = authority.Substring(at + 1);
        }

        string candidate;
        if (authority.StartsWith("[", StringComparison.Ordinal))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            candidate = authority.Substring(0, close + 1);
            terminated |= close + 1 < authority.Length;
        }
        else
        {
            var colon = authority.IndexOf(':');
            candidate = colon < 0 ? authority : authority.Substring(0, colon);
            terminated |= colon >= 0;
        }

        // "ws://" + host, or "ws://example" + suffix: the host is not (wholly) literal.
        if (!terminated && !isComplete)
        {
            return false;
        }

        if (candidate.Length == 0 || !IsPlausibleHost(candidate) || IsLoopback(candidate))
        {
            return false;
        }

        host = candidate;
        return true;
    }

    public static bool IsLoopback(string host)
    {
        var lower = host.ToLowerInvariant();
        if (lower is "localhost" or "[::1]" or "::1" or "0.0.0.0" or "[::]" || lower.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return true;
        }

        // 127.0.0.0/8
        var parts = lower.Split('.');
        return parts.Length == 4 && parts[0] == "127" && Array.TrueForAll(parts, p => byte.TryParse(p, out _));
    }

    // Placeholders such as "{0}", "<host>" or "%s" are templates, not hosts.
    private static bool IsPlausibleHost(string host)
    {
        if (host[0] == '[')
        {
            return true;
        }

        foreach (var c in host)
        {
            if (!(char.IsLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
