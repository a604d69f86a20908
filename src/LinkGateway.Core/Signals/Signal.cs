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
    NetDeny,
    TlsJa4,
    TlsMismatch,

    // Evidence of a person.
    OpenProxyHuman,
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
