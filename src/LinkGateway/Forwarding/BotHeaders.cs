namespace LinkGateway.Forwarding;

/// <summary>The header contract to the origin (README, "Header contract").</summary>
public static class BotHeaders
{
    public const string Prefix = "X-Bot-";
    public const string Score = "X-Bot-Score";
    public const string Verdict = "X-Bot-Verdict";
    public const string Reasons = "X-Bot-Reasons";
    public const string Timestamp = "X-Bot-Timestamp";
    public const string Signature = "X-Bot-Signature";
    public const string Degraded = "X-Bot-Degraded";
    public const string RequestId = "X-Bot-Request-Id";

    // Added to the request by UseForwardedHeaders; the origin gets X-Forwarded-For from YARP instead.
    private static readonly string[] _forwardedHeaderLeftovers = ["X-Original-For", "X-Original-Proto", "X-Original-Host"];

    public static bool IsBotHeader(string name) => name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Removes what the client may not pass to the origin: its own X-Bot-* (only the gateway speaks them) and the
    /// forwarded-headers leftovers. Done on the incoming headers before YARP copies them: Kestrel's header
    /// dictionary enumerates without parsing, the outgoing HttpRequestMessage's would parse every value.
    /// </summary>
    public static void StripFromClient(IHeaderDictionary headers)
    {
        List<string>? spoofed = null;
        foreach (var name in headers.Keys)
        {
            if (IsBotHeader(name))
            {
                (spoofed ??= []).Add(name);
            }
        }

        foreach (var name in spoofed ?? [])
        {
            headers.Remove(name);
        }

        foreach (var name in _forwardedHeaderLeftovers)
        {
            headers.Remove(name);
        }
    }
}
