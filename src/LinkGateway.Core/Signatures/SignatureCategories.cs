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
    /// <summary>
    /// A crawler or AI agent fleet as its operator publishes it (Googlebot, Bingbot, GPTBot, …): it confirms a crawler
    /// User-Agent, and with any other User-Agent it is still the operator's automation (e.g. Google's renderer sends a Chrome one).
    /// </summary>
    Crawler,
    /// <summary>Probes of an uptime monitor (Pingdom, StatusCake): automation.</summary>
    Monitor,
    /// <summary>
    /// The servers of a platform that fetch link previews (Facebook, X/Twitter, Telegram): automation, though the lists are
    /// the platforms' whole networks, so a pass from a person in their offices still counts.
    /// </summary>
    LinkPreviewer,
}

public static class NetworkCategories
{
    /// <summary>The names the signature files use, in the order error messages list them.</summary>
    public static IReadOnlyList<(string Name, NetworkCategory Category)> Names { get; } =
    [
        ("vendor", NetworkCategory.Vendor),
        ("datacenter", NetworkCategory.Datacenter),
        ("person-relay", NetworkCategory.PersonRelay),
        ("crawler", NetworkCategory.Crawler),
        ("monitor", NetworkCategory.Monitor),
        ("link-previewer", NetworkCategory.LinkPreviewer),
    ];

    public static string ToName(this NetworkCategory category) => Names.First(n => n.Category == category).Name;

    /// <summary>
    /// Where blocks of two categories overlap, the higher wins whatever the sizes: the more telling evidence. A relay inside a
    /// cloud provider's block is people; a cloud provider's block inside a mail-security vendor's (GitHub lists part of
    /// Exchange Online Protection) does not hide the vendor; a crawler fleet inside its operator's cloud is the crawler.
    /// </summary>
    public static int Precedence(this NetworkCategory category) => category switch
    {
        NetworkCategory.Datacenter => 0,
        NetworkCategory.PersonRelay => 1,
        NetworkCategory.LinkPreviewer => 2,
        NetworkCategory.Crawler or NetworkCategory.Monitor => 3,
        _ => 4, // a mail-security vendor's own list
    };
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

/// <summary>One loaded network file, for its age at start-up and on the dashboard.</summary>
/// <param name="File">The file's path relative to the signature folder.</param>
/// <param name="Taken">The oldest "taken" date of its entries.</param>
/// <param name="Ranges">How many CIDR entries it holds.</param>
public sealed record NetworkList(string File, string Family, NetworkCategory Category, DateOnly Taken, int Ranges, string? Source)
{
    /// <summary>
    /// A list older than this is reported as stale (start-up warning, dashboard): providers add ranges every week, and a
    /// quarter is long enough that a refresh has surely been missed (docs/reference/signatures.md).
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(90);

    public int AgeDays(DateOnly today) => today.DayNumber - Taken.DayNumber;

    public bool IsStale(DateOnly today) => AgeDays(today) > StaleAfter.TotalDays;
}
