namespace LinkGateway.Signals;

/// <summary>What the store counted for one request's entities, before this request's own verdict.</summary>
/// <param name="AddressTagged">The client address carries a tag (tag.ip).</param>
/// <param name="PrefixTagged">Its /24 or /48 carries a tag (tag.prefix).</param>
/// <param name="ShapeTagged">Its User-Agent + header shape + prefix carries a tag (tag.fingerprint).</param>
/// <param name="AddressRecipients">Distinct recipients this address touched in the fan-out window, this one included.</param>
/// <param name="PrefixRecipients">The same for its prefix.</param>
/// <param name="MessageLinks">Distinct links of this message/recipient fetched in the burst window, this one included.</param>
/// <param name="MessageNetworkRecipients">Distinct recipients of this message from this prefix in the burst.domain window.</param>
/// <param name="NearHoneypot">A honeypot of this message/recipient was hit within the honeypot window.</param>
/// <param name="LinksAreUrls">
/// The links counted are tracking URLs that named no recipient (<see cref="Links.LinkIdentity.LinkIsUrl"/>), counted per client
/// at its address at any time: two tabs opened at once are a person, so such a burst needs one link more.
/// </param>
public readonly record struct BehaviourFacts(
    bool AddressTagged,
    bool PrefixTagged,
    bool ShapeTagged,
    int AddressRecipients,
    int PrefixRecipients,
    int MessageLinks,
    int MessageNetworkRecipients,
    bool NearHoneypot,
    bool LinksAreUrls = false);

/// <summary>Turns counted behaviour into signals. Pure: the store counts, this decides.</summary>
public static class BehaviourSignals
{
    /// <summary>
    /// The behavioural signals of a request whose own (stateless) signals are <paramref name="request"/>. What the store
    /// learnt from other requests (<see cref="Provenance.Inherited"/>) counts only for the client it was learnt from — the
    /// tagged address with the tagged software — or when the request shows strong automation of its own (weak signs such
    /// as a missing Accept-Language or a TLS-inspecting proxy are common among people): offices, relays and households
    /// share addresses and browsers, and anyone who knows a recipient's ids can hit that recipient's honeypot.
    /// </summary>
    public static SignalSet Evaluate(in BehaviourFacts facts, BehaviourOptions options, SignalSet request)
    {
        var ownEvidence = !request.Intersect(SignalCatalog.Intrinsic).Intersect(SignalCatalog.Strong).IsEmpty;
        var corroborated = ownEvidence || (facts.AddressTagged && facts.ShapeTagged);
        var signals = SignalSet.Empty;
        if (facts.AddressTagged && (facts.ShapeTagged || ownEvidence))
        {
            signals = signals.With(Signal.TagIp);
        }

        if (facts.PrefixTagged && corroborated)
        {
            signals = signals.With(Signal.TagPrefix);
        }

        if (facts.ShapeTagged && (facts.AddressTagged || ownEvidence))
        {
            signals = signals.With(Signal.TagFingerprint);
        }

        if (facts.NearHoneypot && corroborated)
        {
            signals = signals.With(Signal.HoneypotNear);
        }

        if (facts.MessageLinks >= options.BurstLinksThreshold + (facts.LinksAreUrls ? 1 : 0))
        {
            signals = signals.With(Signal.BurstLinks);
        }

        if (facts.AddressRecipients >= options.FanoutAddressThreshold || facts.PrefixRecipients >= options.FanoutPrefixThreshold)
        {
            signals = signals.With(Signal.FanoutRecipients);
        }

        if (facts.MessageNetworkRecipients >= options.BurstDomainThreshold)
        {
            signals = signals.With(Signal.BurstDomain);
        }

        return signals;
    }
}
