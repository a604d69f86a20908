namespace LinkGateway.Signatures;

/// <summary>What a client signature (User-Agent or X-Requested-With pattern) says the client is.</summary>
public enum ClientCategory : byte
{
    None,
    /// <summary>A real mail client or a mail app's in-app browser: a person.</summary>
    MailClient,
    /// <summary>A mailbox image proxy that fetches when a person opens the mail (Gmail, Yahoo).</summary>
    ImageProxy,
    /// <summary>A client that fetches opens with no person involved (Apple Mail Privacy Protection).</summary>
    MachineOpen,
    /// <summary>A mail-security scanner or link previewer.</summary>
    Scanner,
    /// <summary>An automated browser.</summary>
    Headless,
    /// <summary>An HTTP library or command-line client.</summary>
    Library,
    /// <summary>A search or generic crawler.</summary>
    Crawler,
    /// <summary>
    /// A person's app or device whose User-Agent has a crawler's shape (a bare name, a web address): it cancels the
    /// generic crawler patterns only, and is no evidence of a person. Reported only where it overrides a crawler pattern;
    /// elsewhere such a User-Agent matches nothing (<see cref="None"/>).
    /// </summary>
    PersonApp,
}

/// <summary>What a network range is.</summary>
public enum NetworkCategory : byte
{
    /// <summary>Published ranges of a mail-security vendor.</summary>
    Vendor,
    /// <summary>Cloud and hosting providers: weak evidence, people use VPNs and virtual desktops too.</summary>
    Datacenter,
    /// <summary>
    /// Egress of a privacy relay that carries people (Apple iCloud Private Relay): never evidence of
    /// automation, and, as the more specific block, it cancels a datacenter block it sits in.
    /// </summary>
    PersonRelay,
}

/// <summary>Where a network range counts as evidence.</summary>
public enum NetworkScope : byte
{
    /// <summary>On every route kind.</summary>
    All,
    /// <summary>On every route kind but opens (e.g. Exchange Online Protection carries real opens through its image proxy).</summary>
    Clicks,
}

public enum Certainty : byte
{
    Certain,
    Probable,
}

/// <summary>One loaded network family, shared by all of its ranges.</summary>
/// <param name="ImageProxy">
/// The User-Agent of a mailbox image proxy that fetches from this network (e.g. Gmail's GoogleImageProxy from Google's
/// ranges): a request whose User-Agent claims that proxy and comes from here is corroborated (<c>net.image-proxy</c>).
/// </param>
public sealed record NetworkInfo(string Family, NetworkCategory Category, NetworkScope Scope, Certainty Certainty, System.Text.RegularExpressions.Regex? ImageProxy = null);
