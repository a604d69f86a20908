using LinkGateway.Links;
using LinkGateway.Scoring;

namespace LinkGateway.Contracts;

/// <summary>What the gateway does with a request, by verdict.</summary>
public enum GuardAction : byte
{
    /// <summary>Forward to the origin with the X-Bot-* headers.</summary>
    Forward,
    /// <summary>Answer the neutral interstitial page; the origin is not called.</summary>
    Interstitial,
    /// <summary>Answer a transparent 1×1 GIF; the origin is not called (open routes).</summary>
    Absorb,
    /// <summary>Answer a neutral page; the origin is not called (honeypot routes, not configurable).</summary>
    NeutralPage,
    /// <summary>The interstitial's button earned a pass: 303 back to the link with a one-request cookie; the origin is not called.</summary>
    Pass,
}

/// <summary>
/// Names of the guard's enums in logs, metrics, the admin API and evaluate: the configuration's spelling
/// (<see cref="ConfigNames.Of(Enum)"/>), computed once, since request logs and metrics ask for them on every request.
/// </summary>
public static class GuardNames
{
    private static readonly string[] _modes = [.. Enum.GetValues<GatewayMode>().Select(m => ConfigNames.Of(m))];
    private static readonly string[] _actions = [.. Enum.GetValues<GuardAction>().Select(a => ConfigNames.Of(a))];

    /// <summary>"enforce" or "observe", as configured.</summary>
    public static string ToName(this GatewayMode mode) => _modes[(int)mode];

    /// <summary>"forward", "interstitial", "absorb", "neutral-page" or "pass".</summary>
    public static string ToName(this GuardAction action) => _actions[(int)action];
}

/// <summary>LinkGateway:Mode.</summary>
public enum GatewayMode : byte
{
    /// <summary>Act on verdicts (the default).</summary>
    Enforce,
    /// <summary>Compute and forward every verdict and header, but never shield, absorb or answer a honeypot: the impact preview.</summary>
    Observe,
}

/// <summary>When unsubscribe and confirm routes show the interstitial.</summary>
public enum ShieldMode : byte
{
    /// <summary>Only to GETs that score suspect or bot (the default).</summary>
    Auto,
    /// <summary>To every GET: a person always confirms with one click.</summary>
    Always,
}

/// <summary>How a click route carries its verdict on to the landing page (route Metadata "LandingVerdict").</summary>
public enum LandingVerdictMode : byte
{
    /// <summary>Not at all (the default).</summary>
    Off,
    /// <summary>A signed lg_v parameter appended to the origin's absolute http(s) Location.</summary>
    Query,
    /// <summary>A signed lg_v cookie on the tracking domain, set with the origin's redirect.</summary>
    Cookie,
}

/// <summary>A route's guard settings, read from its Metadata (docs/reference/configuration.md, "Routes: kinds and policies").</summary>
public sealed record RoutePolicy(LinkKind Kind, ShieldMode Shield, GuardAction OnSuspect, GuardAction OnBot)
{
    public const string ShieldKey = "Shield";
    public const string OnSuspectKey = "OnSuspect";
    public const string OnBotKey = "OnBot";
    public const string IdentityKey = "Identity";
    public const string BrandKey = "Brand";
    public const string LandingVerdictKey = "LandingVerdict";
    public const string LandingVerdictFromKey = "LandingVerdictFrom";

    private static readonly string[] _keys = [LinkKinds.MetadataKey, ShieldKey, OnSuspectKey, OnBotKey, IdentityKey, BrandKey, LandingVerdictKey, LandingVerdictFromKey];

    /// <summary>The name of the route's link layout (LinkGateway:Identities:NAME); null for LinkGateway:Identity.</summary>
    public string? Identity { get; init; }

    /// <summary>The brand (LinkGateway:Brands:{name}) of this route's interstitial; null for the host's brand or the default.</summary>
    public string? Brand { get; init; }

    /// <summary>Click routes: how the verdict goes on to the landing page. <see cref="LandingVerdictMode.Off"/> by default.</summary>
    public LandingVerdictMode LandingVerdict { get; init; }

    /// <summary>The least verdict that carries a landing verdict: suspect by default, so a person's landing page never learns one.</summary>
    public VerdictKind LandingVerdictFrom { get; init; } = VerdictKind.Suspect;

    /// <summary>This verdict goes on to the landing page.</summary>
    public bool CarriesLandingVerdict(VerdictKind verdict) => LandingVerdict != LandingVerdictMode.Off && verdict >= LandingVerdictFrom;

    public static RoutePolicy Plain { get; } = new(LinkKind.None, ShieldMode.Auto, GuardAction.Forward, GuardAction.Forward);

    /// <summary>The route's Metadata names its Shield: a host's Shield (LinkGateway:Hosts) does not override it.</summary>
    public bool ShieldNamed { get; init; }

    /// <summary>Routes where a GET must never act for a scanner: the interstitial stands in front of them.</summary>
    public bool IsShielded => Kind is LinkKind.Unsubscribe or LinkKind.Confirm;

    /// <summary>Routes whose interstitial may be passed, by a click or (clicks only) by its script.</summary>
    public bool HasInterstitial => IsShielded || OnSuspect == GuardAction.Interstitial || OnBot == GuardAction.Interstitial;

    public GuardAction ActionFor(VerdictKind verdict) => verdict switch
    {
        VerdictKind.Bot => OnBot,
        VerdictKind.Suspect => OnSuspect,
        _ => GuardAction.Forward,
    };

    /// <summary>Reads the Metadata of a route's configuration section (ReverseProxy:Routes:ID), as start-up validation and offline replay see it.</summary>
    public static RoutePolicy? Parse(IConfigurationSection route, out string? problem) =>
        Parse(route.GetSection("Metadata").GetChildren()
            .Where(m => m.Value is not null)
            .ToDictionary(m => m.Key, m => m.Value!, StringComparer.OrdinalIgnoreCase), out problem);

    /// <summary>Reads a route's Metadata; null with the reason when a value is not allowed for the route's kind.</summary>
    public static RoutePolicy? Parse(IReadOnlyDictionary<string, string>? metadata, out string? problem)
    {
        problem = null;
        // A misspelt key would otherwise leave its default in force: "Sheild": "always" shielded nothing.
        if (metadata?.Keys.FirstOrDefault(key => !_keys.Contains(key, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            problem = $"{unknown}: {ConfigNames.UnknownKey(unknown, _keys)}";
            return null;
        }

        var kindName = metadata?.GetValueOrDefault(LinkKinds.MetadataKey);
        if (!LinkKinds.TryParse(kindName, out var kind))
        {
            problem = $"{LinkKinds.MetadataKey}: unknown LinkKind \"{kindName}\" (expected one of {LinkKinds.AcceptedNames}, or none for a plain route)";
            return null;
        }

        var (onSuspect, onBot, allowed) = kind switch
        {
            LinkKind.Click => (GuardAction.Forward, GuardAction.Forward, new[] { GuardAction.Forward, GuardAction.Interstitial }),
            LinkKind.Open => (GuardAction.Forward, GuardAction.Forward, new[] { GuardAction.Forward, GuardAction.Absorb }),
            LinkKind.Unsubscribe or LinkKind.Confirm => (GuardAction.Interstitial, GuardAction.Interstitial, new[] { GuardAction.Interstitial }),
            _ => (GuardAction.Forward, GuardAction.Forward, new[] { GuardAction.Forward }),
        };

        if (!TryAction(metadata, OnSuspectKey, allowed, ref onSuspect, ref problem) | !TryAction(metadata, OnBotKey, allowed, ref onBot, ref problem))
        {
            return null;
        }

        var shield = ShieldMode.Auto;
        switch (metadata?.GetValueOrDefault(ShieldKey)?.ToLowerInvariant())
        {
            case null or "auto": break;
            case "always" when kind is LinkKind.Unsubscribe or LinkKind.Confirm: shield = ShieldMode.Always; break;
            case var other:
                problem = $"{ShieldKey}: \"{other}\" is not allowed here (auto or always, on unsubscribe and confirm routes)";
                return null;
        }

        var brand = metadata?.GetValueOrDefault(BrandKey);
        if (brand is not null && !IsBrandName(brand))
        {
            problem = $"{BrandKey}: \"{brand}\" is not a brand name (letters, digits, '-' and '_', up to {MaxBrandNameLength}; the key under LinkGateway:Brands)";
            return null;
        }

        var landing = LandingVerdictMode.Off;
        var landingText = metadata?.GetValueOrDefault(LandingVerdictKey);
        if (landingText is not null
            && (!TryName(landingText, out landing) || (landing != LandingVerdictMode.Off && kind != LinkKind.Click)))
        {
            problem = $"{LandingVerdictKey}: \"{landingText}\" is not allowed here (off, query or cookie, on click routes)";
            return null;
        }

        var from = VerdictKind.Suspect;
        var fromText = metadata?.GetValueOrDefault(LandingVerdictFromKey);
        if (fromText is not null && !TryName(fromText, out from))
        {
            problem = $"{LandingVerdictFromKey}: \"{fromText}\" is not a verdict (suspect, bot, or human to tell every landing page)";
            return null;
        }

        return new RoutePolicy(kind, shield, onSuspect, onBot)
        {
            Identity = metadata?.GetValueOrDefault(IdentityKey), ShieldNamed = metadata?.ContainsKey(ShieldKey) == true, Brand = brand, LandingVerdict = landing, LandingVerdictFrom = from,
        };
    }

    /// <summary>A brand's name as configuration keys and Metadata spell it.</summary>
    public static bool IsBrandName(string name) =>
        name.Length is > 0 and <= MaxBrandNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The longest brand name (<see cref="IsBrandName"/>).</summary>
    public const int MaxBrandNameLength = 64;

    private static bool TryAction(IReadOnlyDictionary<string, string>? metadata, string key, GuardAction[] allowed, ref GuardAction action, ref string? problem)
    {
        var text = metadata?.GetValueOrDefault(key);
        if (text is null)
        {
            return true;
        }

        if (TryName<GuardAction>(text, out var parsed) && allowed.Contains(parsed))
        {
            action = parsed;
            return true;
        }

        problem ??= $"{key}: \"{text}\" is not allowed for this LinkKind (allowed: {string.Join(", ", allowed.Select(a => a.ToString().ToLowerInvariant()))})";
        return false;
    }

    // One of the enum's declared names, in any case. Enum.TryParse also takes numbers ("2") and comma lists, which it ORs
    // together: "query,cookie" would pass as a third value and act as one of the two, silently.
    private static bool TryName<T>(string text, out T value)
        where T : struct, Enum
    {
        var trimmed = text.Trim();
        foreach (var name in Enum.GetNames<T>())
        {
            if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.Parse<T>(name);
                return true;
            }
        }

        value = default;
        return false;
    }
}
