namespace WebSocketGuard.AspNetCore;

/// <summary>Parses origins into the canonical <c>scheme://host:port</c> form that is compared exactly.</summary>
internal static class OriginMatcher
{
    public static bool TryNormalize(string? origin, out string normalized, out string why)
    {
        normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(origin))
        {
            why = "it is empty.";
            return false;
        }

        var text = origin.Trim();
        if (text == "*")
        {
            why = "'*' would let any web site connect with the user's cookies (cross-site WebSocket hijacking); list each origin.";
            return false;
        }

        if (text.Contains('*'))
        {
            why = "wildcards are not supported; list each origin exactly.";
            return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            why = "expected scheme://host[:port], for example https://app.example.com.";
            return false;
        }

        if (uri.Scheme is not ("http" or "https"))
        {
            why = $"the scheme must be http or https (was '{uri.Scheme}'); browsers send the page's origin.";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            why = "an origin has no user, path, query or fragment: scheme://host[:port].";
            return false;
        }

        normalized = Canonical(uri);
        why = string.Empty;
        return true;
    }

    /// <summary>Normalizes a request's Origin header; false for a missing, opaque (<c>null</c>) or malformed value.</summary>
    public static bool TryNormalizeRequestOrigin(string? origin, out string normalized)
    {
        normalized = string.Empty;
        if (string.IsNullOrEmpty(origin) || !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return false;
        }

        normalized = Canonical(uri);
        return true;
    }

    private static string Canonical(Uri uri) =>
        $"{uri.Scheme}://{(uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost).ToLowerInvariant()}:{uri.Port}";
}
