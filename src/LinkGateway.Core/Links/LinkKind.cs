namespace LinkGateway.Links;

/// <summary>What the origin endpoint behind a route does; set per YARP route in Metadata "LinkKind".</summary>
public enum LinkKind : byte
{
    /// <summary>No LinkKind: a plain proxied route that still gets the X-Bot-* headers.</summary>
    None,
    /// <summary>Records a click and answers a redirect.</summary>
    Click,
    /// <summary>Records an open and answers a pixel.</summary>
    Open,
    /// <summary>Unsubscribes (on GET, in legacy origins) or shows an unsubscribe page.</summary>
    Unsubscribe,
    /// <summary>Double opt-in, magic links, one-time codes: anything a single fetch must not confirm.</summary>
    Confirm,
    /// <summary>An invisible link in the mail that no person can see: any hit is a scanner.</summary>
    Honeypot,
}

/// <summary>The names config uses for <see cref="LinkKind"/>, one place for parsing and printing.</summary>
public static class LinkKinds
{
    /// <summary>The route Metadata key that carries the kind.</summary>
    public const string MetadataKey = "LinkKind";

    /// <summary>Every accepted name, for error messages.</summary>
    public static readonly string AcceptedNames = "click, open, unsubscribe, confirm, honeypot";

    public static bool TryParse(string? name, out LinkKind kind)
    {
        kind = LinkKind.None;
        if (string.IsNullOrEmpty(name))
        {
            return true;
        }

        switch (name.Trim().ToLowerInvariant())
        {
            case "click": kind = LinkKind.Click; return true;
            case "open": kind = LinkKind.Open; return true;
            case "unsubscribe": kind = LinkKind.Unsubscribe; return true;
            case "confirm": kind = LinkKind.Confirm; return true;
            case "honeypot": kind = LinkKind.Honeypot; return true;
            default: return false;
        }
    }

    public static string ToName(this LinkKind kind) => kind switch
    {
        LinkKind.Click => "click",
        LinkKind.Open => "open",
        LinkKind.Unsubscribe => "unsubscribe",
        LinkKind.Confirm => "confirm",
        LinkKind.Honeypot => "honeypot",
        _ => "none",
    };
}
