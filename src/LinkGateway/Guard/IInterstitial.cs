using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;

namespace LinkGateway.Guard;

/// <summary>
/// The challenge a shielded link puts between a fetch and the origin, as the guard uses it: read what a request brings
/// for it, show it, check its answer. The guard decides when; the challenge decides only whether an answer earned a
/// pass. <c>Interstitial/InterstitialShield</c> is the implementation (a page with a button, a one-request pass).
/// </summary>
public interface IInterstitial
{
    /// <summary>
    /// What the request brings on a route with an interstitial, read before it is judged: a posted form (the page's answer,
    /// or an RFC 8058 one-click unsubscribe), or a pass cookie, used up by this request. <see cref="InterstitialInput.None"/>
    /// on other routes.
    /// </summary>
    ValueTask<InterstitialInput> ReadAsync(HttpContext context, RoutePolicy policy, RequestFingerprint fingerprint);

    /// <summary>Answers the request with the challenge.</summary>
    /// <param name="mayPass">The guard lets this client earn a pass at all (<see cref="Judgement.MayPass"/>).</param>
    Task ShowAsync(HttpContext context, RoutePolicy policy, RequestFingerprint fingerprint, bool mayPass);

    /// <summary>
    /// Checks the challenge's answer (<see cref="InterstitialInput.IsAnswer"/>), already judged like any request: true when
    /// it earned a pass (the response sends the client back to the link with it), false when the challenge was shown again.
    /// </summary>
    /// <param name="mayPass">The guard lets this client earn a pass at all; when false, no answer earns one.</param>
    Task<bool> AnswerAsync(HttpContext context, RoutePolicy policy, InterstitialInput input, RequestFingerprint fingerprint, bool mayPass);
}

/// <summary>What a request brings to the interstitial (<see cref="IInterstitial.ReadAsync"/>).</summary>
/// <param name="Refusal">Why a posted body could not be read (413 or 400), or <see cref="FormRefusal.None"/>.</param>
/// <param name="Form">The posted form, rewound so the proxy forwards it unchanged; null for none.</param>
/// <param name="IsAnswer">The form answers the challenge (the page's button).</param>
/// <param name="IsOneClickUnsubscribe">The form is an RFC 8058 one-click unsubscribe, which is always let through.</param>
/// <param name="Pass">The pass a cookie carried for this link and client, used up by this request; null for none.</param>
public sealed record InterstitialInput(FormRefusal Refusal, IFormCollection? Form, bool IsAnswer, bool IsOneClickUnsubscribe, PassKind? Pass)
{
    public static InterstitialInput None { get; } = new(FormRefusal.None, null, false, false, null);
}

/// <summary>Why a form body on a route with an interstitial was not read.</summary>
public enum FormRefusal : byte
{
    /// <summary>Read, or not a form at all.</summary>
    None,
    /// <summary>Over the shield's form limit: 413.</summary>
    TooLarge,
    /// <summary>A form the reader cannot read: 400.</summary>
    Unreadable,
}

/// <summary>How a pass was earned.</summary>
public enum PassKind : byte
{
    /// <summary>A person pressed the button.</summary>
    Click,
    /// <summary>The click interstitial's script continued by itself.</summary>
    Script,
}
