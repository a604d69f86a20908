using System.Collections.Frozen;

namespace LinkGateway.Signals;

/// <summary>
/// Reason codes, default weights and provenance. A weight is the probability that a request showing only this
/// signal is automated (for human signals: how much of the remaining automation evidence it cancels);
/// see <see cref="Scoring.VerdictScorer"/> for how they combine. The table in docs/reference/signals.md is this table (DocsTests holds them together).
/// </summary>
public static class SignalCatalog
{
    /// <param name="Strong">
    /// Evidence of automation that no person's request shows and that a client cannot take back by adding a header: no
    /// claim, and no pass, cancels it (only an operator's allow list does).
    /// </param>
    public readonly record struct Entry(Signal Signal, string Code, double DefaultWeight, Provenance Provenance, bool Strong = false)
    {
        public SignalDirection Direction => Provenance is Provenance.Claim or Provenance.Verified ? SignalDirection.Human : SignalDirection.Automated;
    }

    private static readonly Entry[] _entries =
    [
        new(Signal.UaScanner, "ua.scanner", 0.95, Provenance.Intrinsic, Strong: true),
        new(Signal.UaLibrary, "ua.library", 0.90, Provenance.Intrinsic, Strong: true),
        new(Signal.UaHeadless, "ua.headless", 0.90, Provenance.Intrinsic, Strong: true),
        new(Signal.UaCrawler, "ua.crawler", 0.90, Provenance.Intrinsic, Strong: true),
        new(Signal.UaMissing, "ua.missing", 0.85, Provenance.Intrinsic, Strong: true),
        new(Signal.NetVendor, "net.vendor", 0.90, Provenance.Intrinsic, Strong: true),
        new(Signal.NetVendorProbable, "net.vendor.probable", 0.60, Provenance.Intrinsic),
        new(Signal.NetDatacenter, "net.datacenter", 0.30, Provenance.Circumstantial),
        // Every mainstream browser sends Accept-Language on every request; HTTP libraries and many scanners do not.
        new(Signal.HdrNoAcceptLanguage, "hdr.no-accept-language", 0.40, Provenance.Intrinsic),
        new(Signal.HdrNoSecFetch, "hdr.no-sec-fetch", 0.30, Provenance.Intrinsic),
        new(Signal.HdrAcceptAny, "hdr.accept-any", 0.20, Provenance.Intrinsic),
        new(Signal.MethodHead, "method.head", 0.70, Provenance.Intrinsic, Strong: true),
        new(Signal.TimingFast, "timing.fast", 0.35, Provenance.Circumstantial),
        new(Signal.OpenMachine, "open.machine", 0.90, Provenance.Intrinsic, Strong: true),
        new(Signal.TagIp, "tag.ip", 0.70, Provenance.Inherited),
        // A /24 or /48 holds many people: its tag is weak evidence alone.
        new(Signal.TagPrefix, "tag.prefix", 0.40, Provenance.Inherited),
        // Counted only for the tagged client itself or with evidence of its own (BehaviourSignals), where it says the request
        // comes from software already caught: strong then.
        new(Signal.TagFingerprint, "tag.fingerprint", 0.60, Provenance.Inherited, Strong: true),
        new(Signal.BurstLinks, "burst.links", 0.85, Provenance.Circumstantial),
        new(Signal.FanoutRecipients, "fanout.recipients", 0.70, Provenance.Circumstantial),
        new(Signal.BurstDomain, "burst.domain", 0.60, Provenance.Circumstantial),
        new(Signal.Honeypot, "honeypot", 0.99, Provenance.Intrinsic, Strong: true),
        // Someone hit a honeypot of the same message and recipient moments ago: knowing a recipient's ids is enough to
        // cause it, so it only adds to evidence the request shows itself, and never tags anything.
        new(Signal.HoneypotNear, "honeypot.near", 0.60, Provenance.Inherited),
        // An operator put the client's network on the deny list at runtime (admin API).
        new(Signal.NetDeny, "net.deny", 0.99, Provenance.Intrinsic, Strong: true),
        // The TLS ClientHello (JA4) is one of a known HTTP library or tool: as telling as its User-Agent would be.
        new(Signal.TlsJa4, "tls.ja4", 0.80, Provenance.Intrinsic, Strong: true),
        // A Chromium User-Agent over a ClientHello that no Chromium sends. Weak alone: TLS-inspecting corporate
        // proxies re-originate people's connections with their own ClientHello.
        new(Signal.TlsMismatch, "tls.mismatch", 0.45, Provenance.Intrinsic),
        // A crawler or AI agent operator's published fleet (Googlebot, Bingbot, GPTBot, ChatGPT-User, PerplexityBot, …). People do
        // not browse from these addresses; with a crawler User-Agent it confirms the claim, and with a browser's it is the
        // operator's renderer or agent. As telling as a vendor's network.
        new(Signal.NetCrawler, "net.crawler", 0.90, Provenance.Intrinsic, Strong: true),
        // An uptime monitor's probes (Pingdom, StatusCake): nothing but automation comes from them.
        new(Signal.NetMonitor, "net.monitor", 0.90, Provenance.Intrinsic, Strong: true),
        // A platform that fetches link previews (Facebook, X/Twitter, Telegram). Their lists are the platforms' whole networks,
        // offices included, so it is not strong: a verified pass still counts; alone it is bot.
        new(Signal.NetPreviewer, "net.previewer", 0.85, Provenance.Intrinsic),
        new(Signal.OpenProxyHuman, "open.proxy-human", 0.90, Provenance.Claim),
        // The image proxy the User-Agent names fetches from its operator's published network, and this request came from it:
        // the claim is corroborated. It adds no weight of its own.
        new(Signal.NetImageProxy, "net.image-proxy", 0.00, Provenance.Verified),
        new(Signal.ClientMailApp, "client.mail-app", 0.50, Provenance.Claim),
        new(Signal.PassHuman, "pass.human", 0.95, Provenance.Verified),
        // The click interstitial's script continued by itself: a browser ran it, but scanners run scripts too.
        new(Signal.PassScript, "pass.script", 0.30, Provenance.Claim),
        // An operator put the client's network on the allow list at runtime: it cancels all automation evidence.
        new(Signal.NetAllow, "net.allow", 1.00, Provenance.Verified),
    ];

    private static readonly FrozenDictionary<string, Signal> _byCode =
        _entries.ToFrozenDictionary(e => e.Code, e => e.Signal, StringComparer.Ordinal);

    static SignalCatalog()
    {
        for (var i = 0; i < _entries.Length; i++)
        {
            if ((int)_entries[i].Signal != i)
            {
                throw new InvalidOperationException($"SignalCatalog entry {i} is out of order.");
            }
        }
    }

    public static int Count => _entries.Length;

    /// <summary>Every signal that is evidence of automation, as one mask.</summary>
    public static SignalSet Automated { get; } = MaskOf(e => e.Direction == SignalDirection.Automated);

    /// <summary>Strong evidence of automation (<see cref="Entry.Strong"/>).</summary>
    public static SignalSet Strong { get; } = MaskOf(e => e.Strong);

    /// <summary>Automation the request shows by itself (<see cref="Provenance.Intrinsic"/>).</summary>
    public static SignalSet Intrinsic { get; } = MaskOf(e => e.Provenance == Provenance.Intrinsic);

    /// <summary>Evidence of a person that the client wrote itself (<see cref="Provenance.Claim"/>).</summary>
    public static SignalSet Claims { get; } = MaskOf(e => e.Provenance == Provenance.Claim);

    /// <summary>Evidence of a person that the gateway or an operator vouches for (<see cref="Provenance.Verified"/>).</summary>
    public static SignalSet Verified { get; } = MaskOf(e => e.Provenance == Provenance.Verified);

    /// <summary>
    /// What a client's software says of itself, on every request it makes: its User-Agent and its TLS handshake. Such a
    /// client needs no memory to be recognised (its shape is not tagged).
    /// </summary>
    public static SignalSet SoftwareEvident { get; } = SignalSet.Empty.With(Signal.UaScanner).With(Signal.UaLibrary).With(Signal.UaHeadless)
        .With(Signal.UaCrawler).With(Signal.UaMissing).With(Signal.TlsJa4);

    /// <summary>Automation learnt from other requests (<see cref="Provenance.Inherited"/>).</summary>
    public static SignalSet Inherited { get; } = MaskOf(e => e.Provenance == Provenance.Inherited);

    public static IReadOnlyList<Entry> All => _entries;

    private static SignalSet MaskOf(Func<Entry, bool> predicate) =>
        new(_entries.Where(predicate).Aggregate(0UL, (bits, e) => bits | (1UL << (int)e.Signal)));

    public static ref readonly Entry Get(Signal signal) => ref _entries[(int)signal];

    public static string Code(this Signal signal) => _entries[(int)signal].Code;

    public static bool TryParse(string code, out Signal signal) => _byCode.TryGetValue(code, out signal);
}
