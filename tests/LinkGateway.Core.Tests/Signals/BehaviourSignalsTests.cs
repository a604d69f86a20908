namespace LinkGateway.Signals;

public class BehaviourSignalsTests
{
    private static readonly BehaviourOptions _options = BehaviourOptions.Default;

    /// <summary>A perfect browser: nothing of its own to corroborate what others did.</summary>
    private static readonly SignalSet _clean = SignalSet.Empty;

    private static readonly SignalSet _curl = SignalSet.Empty.With(Signal.UaLibrary);

    [Theory]
    [InlineData(1, 1, 1, 1, "")]
    [InlineData(7, 14, 1, 4, "")]
    [InlineData(8, 1, 1, 1, "fanout.recipients")]
    [InlineData(1, 15, 1, 1, "fanout.recipients")]
    [InlineData(1, 1, 2, 1, "burst.links")]
    [InlineData(1, 1, 1, 5, "burst.domain")]
    public void CountsAgainstThresholds(int addressRecipients, int prefixRecipients, int links, int messageNetwork, string expected)
    {
        var facts = new BehaviourFacts(false, false, false, addressRecipients, prefixRecipients, links, messageNetwork, false);

        Assert.Equal(expected, BehaviourSignals.Evaluate(facts, _options, _clean).ToString());
    }

    [Theory]
    [InlineData(2, "")] // two tabs opened at once: a person
    [InlineData(3, "burst.links")]
    public void TrackingUrlsThatNamedNoRecipient_NeedOneLinkMoreForABurst(int links, string expected)
    {
        var facts = new BehaviourFacts(false, false, false, 1, 1, links, 1, false, LinksAreUrls: true);

        Assert.Equal(expected, BehaviourSignals.Evaluate(facts, _options, _clean).ToString());
    }

    [Theory]
    // address, prefix, shape tagged; near a honeypot; the request's own signals → what counts
    [InlineData(true, true, true, true, "clean", "tag.ip,tag.prefix,tag.fingerprint,honeypot.near")] // the tagged client itself comes back
    [InlineData(true, false, false, false, "clean", "")] // another browser at a tagged address (an office, a household)
    [InlineData(false, false, true, false, "clean", "")] // the same common browser elsewhere in a tagged /24
    [InlineData(false, true, false, false, "clean", "")] // a colleague in the /24 of a honeypot hitter
    [InlineData(false, false, false, true, "clean", "")] // a recipient's own click right after someone hit the recipient's honeypot
    [InlineData(true, true, false, true, "curl", "tag.ip,tag.prefix,honeypot.near")] // automation of its own corroborates
    [InlineData(false, false, true, false, "curl", "tag.fingerprint")]
    [InlineData(false, false, false, true, "timing", "")] // the URL's send time is circumstance, not the client's own doing
    [InlineData(false, true, true, false, "weak", "")] // a colleague without Accept-Language behind a TLS-inspecting proxy: common among people
    public void InheritedEvidence_CountsOnlyForTheTaggedClientOrWithEvidenceOfItsOwn(bool address, bool prefix, bool shape, bool nearHoneypot,
        string request, string expected)
    {
        var facts = new BehaviourFacts(address, prefix, shape, 1, 1, 1, 1, nearHoneypot);
        var own = request switch
        {
            "curl" => _curl,
            "timing" => SignalSet.Empty.With(Signal.TimingFast).With(Signal.NetDatacenter),
            "weak" => SignalSet.Empty.With(Signal.HdrNoAcceptLanguage).With(Signal.TlsMismatch).With(Signal.HdrAcceptAny),
            _ => _clean,
        };

        Assert.Equal(expected, BehaviourSignals.Evaluate(facts, _options, own).ToString());
    }
}
