namespace LinkGateway.Signals;

/// <summary>
/// Every piece of evidence detection can find. Each has a stable reason code (see <see cref="SignalCatalog"/>)
/// that the origin receives in X-Bot-Reasons, so the numeric values are internal and may change.
/// </summary>
public enum Signal : byte
{
    // Evidence of automation.
    UaScanner,
    UaLibrary,
    UaHeadless,
    UaCrawler,
    UaMissing,
    NetVendor,
    NetVendorProbable,
    NetDatacenter,
    HdrNoAcceptLanguage,
    HdrNoSecFetch,
    HdrAcceptAny,
    MethodHead,
    TimingFast,
    OpenMachine,
    TagIp,
    TagPrefix,
    TagFingerprint,
    BurstLinks,
    FanoutRecipients,
    BurstDomain,
    Honeypot,
    HoneypotNear,
    NetDeny,
    TlsJa4,
    TlsMismatch,
    NetCrawler,
    NetMonitor,
    NetPreviewer,

    // Evidence of a person.
    OpenProxyHuman,
    NetImageProxy,
    ClientMailApp,
    PassHuman,
    PassScript,
    NetAllow,
}

/// <summary>Which way a signal pushes the score.</summary>
public enum SignalDirection : byte
{
    Automated,
    Human,
}

/// <summary>
/// Where a signal's evidence comes from, which decides what it may outweigh (docs/concepts/scoring.md).
/// Everything a client sends is a claim; what differs is whether a claim incriminates or excuses the client.
/// </summary>
public enum Provenance : byte
{
    /// <summary>Automation the request shows by itself: its User-Agent, headers, method, TLS, a vendor's network, a honeypot it hit.</summary>
    Intrinsic,

    /// <summary>
    /// Automation suggested by circumstance rather than by this client's own doing: a datacenter address (people use
    /// VPNs), the time since the send (the URL says it), the traffic of the link's message or network.
    /// </summary>
    Circumstantial,

    /// <summary>
    /// Automation learnt from other requests: a tag of this address, prefix or client software, a honeypot hit on the same
    /// message. Counts only when the request shows intrinsic automation of its own or comes from the very client that was
    /// tagged, so that nothing a third party does makes a person a bot.
    /// </summary>
    Inherited,

    /// <summary>
    /// A person, as the client says (a mail app's header, an image proxy's User-Agent, the click page's script ran). It may
    /// soften circumstantial and weak evidence, never strong evidence, and alone never takes a request below suspect.
    /// </summary>
    Claim,

    /// <summary>A person, as the gateway verified it (a pressed button, a claim the network corroborates) or an operator decided.</summary>
    Verified,
}
