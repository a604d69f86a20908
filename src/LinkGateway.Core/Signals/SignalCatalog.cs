using System.Collections.Frozen;

namespace LinkGateway.Signals;

/// <summary>
/// Reason codes and default weights. A weight is the probability that a request showing only this
/// signal is automated (for human signals: how much of the remaining automation evidence it cancels);
/// see <see cref="Scoring.VerdictScorer"/> for how they combine. The README's table is this table.
/// </summary>
public static class SignalCatalog
{
    public readonly record struct Entry(Signal Signal, string Code, double DefaultWeight, SignalDirection Direction);

    private static readonly Entry[] _entries =
    [
        new(Signal.UaScanner, "ua.scanner", 0.95, SignalDirection.Automated),
        new(Signal.UaLibrary, "ua.library", 0.90, SignalDirection.Automated),
        new(Signal.UaHeadless, "ua.headless", 0.90, SignalDirection.Automated),
        new(Signal.UaCrawler, "ua.crawler", 0.90, SignalDirection.Automated),
        new(Signal.UaMissing, "ua.missing", 0.85, SignalDirection.Automated),
        new(Signal.NetVendor, "net.vendor", 0.90, SignalDirection.Automated),
        new(Signal.NetVendorProbable, "net.vendor.probable", 0.60, SignalDirection.Automated),
        new(Signal.NetDatacenter, "net.datacenter", 0.30, SignalDirection.Automated),
        // Every mainstream browser sends Accept-Language on every request; HTTP libraries and many scanners do not.
        new(Signal.HdrNoAcceptLanguage, "hdr.no-accept-language", 0.40, SignalDirection.Automated),
        new(Signal.HdrNoSecFetch, "hdr.no-sec-fetch", 0.30, SignalDirection.Automated),
        new(Signal.HdrAcceptAny, "hdr.accept-any", 0.20, SignalDirection.Automated),
        new(Signal.MethodHead, "method.head", 0.70, SignalDirection.Automated),
        new(Signal.TimingFast, "timing.fast", 0.35, SignalDirection.Automated),
        new(Signal.OpenMachine, "open.machine", 0.90, SignalDirection.Automated),
        new(Signal.TagIp, "tag.ip", 0.70, SignalDirection.Automated),
        // A /24 or /48 holds many people: its tag is weak evidence alone.
        new(Signal.TagPrefix, "tag.prefix", 0.40, SignalDirection.Automated),
        new(Signal.TagFingerprint, "tag.fingerprint", 0.60, SignalDirection.Automated),
        new(Signal.BurstLinks, "burst.links", 0.85, SignalDirection.Automated),
        new(Signal.FanoutRecipients, "fanout.recipients", 0.70, SignalDirection.Automated),
        new(Signal.BurstDomain, "burst.domain", 0.60, SignalDirection.Automated),
        new(Signal.Honeypot, "honeypot", 0.99, SignalDirection.Automated),
        // An operator put the client's network on the deny list at runtime (admin API).
        new(Signal.NetDeny, "net.deny", 0.99, SignalDirection.Automated),
        // The TLS ClientHello (JA4) is one of a known HTTP library or tool: as telling as its User-Agent would be.
        new(Signal.TlsJa4, "tls.ja4", 0.80, SignalDirection.Automated),
        // A Chromium User-Agent over a ClientHello that no Chromium sends. Weak alone: TLS-inspecting corporate
        // proxies re-originate people's connections with their own ClientHello.
        new(Signal.TlsMismatch, "tls.mismatch", 0.45, SignalDirection.Automated),
        new(Signal.OpenProxyHuman, "open.proxy-human", 0.90, SignalDirection.Human),
        new(Signal.ClientMailApp, "client.mail-app", 0.50, SignalDirection.Human),
        new(Signal.PassHuman, "pass.human", 0.95, SignalDirection.Human),
        // The click interstitial's script continued by itself: a browser ran it, but scanners run scripts too.
        new(Signal.PassScript, "pass.script", 0.30, SignalDirection.Human),
        // An operator put the client's network on the allow list at runtime: it cancels all automation evidence.
        new(Signal.NetAllow, "net.allow", 1.00, SignalDirection.Human),
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
    public static SignalSet Automated { get; } = new(_entries
        .Where(e => e.Direction == SignalDirection.Automated)
        .Aggregate(0UL, (bits, e) => bits | (1UL << (int)e.Signal)));

    public static IReadOnlyList<Entry> All => _entries;

    public static ref readonly Entry Get(Signal signal) => ref _entries[(int)signal];

    public static string Code(this Signal signal) => _entries[(int)signal].Code;

    public static bool TryParse(string code, out Signal signal) => _byCode.TryGetValue(code, out signal);
}
