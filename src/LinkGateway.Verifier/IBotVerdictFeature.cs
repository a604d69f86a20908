namespace LinkGateway.Verification;

/// <summary>
/// What the gateway concluded about this request, as <c>UseBotHeaderVerification()</c> found it. Set on every request:
/// one without valid headers is <see cref="Verified"/> false, and what to do with it is the origin's decision (reachable
/// only through the gateway, it should never happen; reachable directly, it is a client that went around the gateway).
/// </summary>
public interface IBotVerdictFeature
{
    /// <summary>The headers were signed with the shared key over this request's method and target, recently.</summary>
    bool Verified { get; }

    /// <summary>0 (certainly a person) … 100 (certainly automated); null unless verified.</summary>
    int? Score { get; }

    /// <summary><c>human</c>, <c>suspect</c> or <c>bot</c>; null unless verified.</summary>
    string? Verdict { get; }

    /// <summary>Reason codes, heaviest first; empty unless verified.</summary>
    IReadOnlyList<string> Reasons { get; }

    /// <summary>The gateway's store did not answer: the verdict is stateless.</summary>
    bool Degraded { get; }

    /// <summary>
    /// Why the headers were not accepted: <c>unsigned</c> (no X-Bot-* at all), <c>incomplete</c>, <c>malformed</c>,
    /// <c>expired</c>, <c>future</c> or <c>mismatch</c>; null when verified.
    /// </summary>
    string? Failure { get; }
}
