using LinkGateway.Contracts;
using LinkGateway.Guard;
using LinkGateway.Hosts;
using LinkGateway.Interstitial;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.Signatures;

namespace LinkGateway.Hosting;

/// <summary>The configuration, checked and compiled: what the host needs to start.</summary>
public sealed record ValidatedConfig(LinkGatewayOptions Options, GuardSnapshot Snapshot, byte[] SigningKey)
{
    /// <summary>The interstitial's brands, read from their folders.</summary>
    public BrandBook Brands { get; init; } = BrandBook.Empty;
}

/// <summary>
/// Checks the whole configuration before anything starts, collecting every error, each naming its key,
/// so an operator sees all of them at once rather than one per restart.
/// </summary>
public static class GatewayConfigValidator
{
    public static ValidatedConfig Validate(IConfiguration configuration, string configDirectory)
    {
        var errors = new List<string>();
        var options = OptionsBinder.Bind<LinkGatewayOptions>(configuration.GetSection(LinkGatewayOptions.SectionName), errors);
        var signingKey = options.Signing.ReadKey(errors);

        CheckSectionNames(configuration, errors);
        ProxyConfigRules.Check(configuration, errors);
        CheckPlaceholders(configuration, errors);
        CheckListenUrls(configuration, errors);
        var policy = ValidateScoring(options, errors, out var weights);
        // Each feature checks what its own options must agree on beyond their declared ranges.
        var identities = CompileIdentities(options, configuration, configDirectory, errors);
        options.ForwardedHeaders.Validate(errors);
        options.Redis.Validate(errors);
        options.Admin.Validate(errors);
        options.FoldBack.Webhook.Validate(errors);
        CheckWebhookIsNotThisGateway(configuration, options, errors);
        options.Shield.Validate(options.Redis, errors);
        options.Tls.Validate(configDirectory, errors);
        var brands = BrandBook.Load(options.Brands, configDirectory, errors);
        brands?.CheckRoutes(configuration.GetSection(ProxyConfigRules.RoutesKey), errors);
        var signatures = LoadSignatures(Path.GetFullPath(options.Signatures.Path, configDirectory), errors);

        var scorer = policy is null ? null : new VerdictScorer(policy);
        var hosts = scorer is null ? null : HostPolicies.Compile(options.Hosts, options.Thresholds.Suspect, options.Thresholds.Bot, weights, scorer, errors);
        brands?.CheckHosts(options.Hosts, errors);

        if (errors.Count > 0 || scorer is null || hosts is null || signatures is null || signingKey is null || identities is null || brands is null)
        {
            throw new GatewayConfigurationException(errors);
        }

        var detector = new StatelessDetector(signatures, options.Timing);
        var snapshot = new GuardSnapshot(detector, scorer, identities, options.Redis.Budget, options.Redis.MaxWait, options.Memory.TagTtl, options.Behaviour, options.Mode,
            hosts);
        return new ValidatedConfig(options, snapshot, signingKey) { Brands = brands };
    }

    /// <summary>Every link layout of the configuration, compiled; null with the problems, each naming its key.</summary>
    private static Identities? CompileIdentities(LinkGatewayOptions options, IConfiguration configuration, string configDirectory, List<string> errors)
    {
        var before = errors.Count;
        var @default = options.Identity.Compile($"{LinkGatewayOptions.SectionName}:Identity", configDirectory, errors);
        var named = new Dictionary<string, IdentityProfile>(StringComparer.Ordinal);
        foreach (var (name, layout) in options.Identities)
        {
            if (layout.Compile($"{LinkGatewayOptions.SectionName}:Identities:{name}", configDirectory, errors) is { } profile)
            {
                named[name] = profile;
            }
        }

        // A route naming a layout that does not exist would silently read the default one.
        foreach (var route in configuration.GetSection(ProxyConfigRules.RoutesKey).GetChildren())
        {
            if (route[$"Metadata:{RoutePolicy.IdentityKey}"] is { } name && !options.Identities.ContainsKey(name))
            {
                errors.Add($"{ProxyConfigRules.RoutesKey}:{route.Key}:Metadata:{RoutePolicy.IdentityKey}: \"{name}\" names no layout in "
                           + $"{LinkGatewayOptions.SectionName}:Identities ({(options.Identities.Count == 0 ? "there is none" : ConfigNames.Hint(name, options.Identities.Keys))})");
            }
        }

        return errors.Count > before || @default is null ? null : new Identities(@default, named);
    }

    /// <summary>
    /// A section misspelt at the top (`LinkGatway`, `ReverseProxi`) was not read at all: the gateway ran on defaults, or with
    /// no routes, and said nothing. Only names a typo away from the gateway's own two sections are refused: the rest of the
    /// top level is shared with the environment's variables.
    /// </summary>
    private static void CheckSectionNames(IConfiguration configuration, List<string> errors)
    {
        string[] sections = [LinkGatewayOptions.SectionName, ProxyConfigRules.SectionName];
        foreach (var key in configuration.GetChildren().Select(c => c.Key))
        {
            if (!sections.Contains(key, StringComparer.OrdinalIgnoreCase) && ConfigNames.Closest(key, sections) is { } meant)
            {
                errors.Add($"{key}: unknown section (did you mean {meant}?)");
            }
        }
    }

    /// <summary>The word every example secret is spelt with (config/deploy/kubernetes/secret.example.yaml).</summary>
    public const string Placeholder = "REPLACE-ME";

    /// <summary>
    /// A LinkGateway value still holding an example's placeholder stops start-up, whatever its key: a placeholder can be well-formed (an
    /// admin token of 32 characters, a Redis password the example Redis was given too) and would run with a secret everyone
    /// who read the example knows. The value is not printed: it may hold a real secret beside the placeholder.
    /// </summary>
    private static void CheckPlaceholders(IConfiguration configuration, List<string> errors)
    {
        foreach (var (key, value) in configuration.GetSection(LinkGatewayOptions.SectionName).AsEnumerable().OrderBy(setting => setting.Key, StringComparer.Ordinal))
        {
            if (value?.Contains(Placeholder, StringComparison.OrdinalIgnoreCase) == true)
            {
                errors.Add($"{key}: still holds the example's {Placeholder} placeholder: set the real value (docs/operations/deploy.md#kubernetes)");
            }
        }
    }

    /// <summary>The gateway's own listen addresses (--urls, ASPNETCORE_URLS, Kestrel:Endpoints), checked before Kestrel reads them.</summary>
    private static void CheckListenUrls(IConfiguration configuration, List<string> errors)
    {
        const string Example = "http://0.0.0.0:8080";
        errors.AddRange(ListenUrl.Problems(configuration["urls"], Example).Select(problem => $"--urls (or ASPNETCORE_URLS): {problem}"));
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            errors.AddRange(ListenUrl.Problems(endpoint["Url"], Example).Select(problem => $"Kestrel:Endpoints:{endpoint.Key}:Url: {problem}"));
        }
    }

    /// <summary>
    /// A fold-back webhook aimed at this gateway's own ports (loopback or one of its listen addresses) would be proxied and
    /// judged as a bot: its address tagged, the events forwarded to the origin as requests and lost to the webhook.
    /// </summary>
    private static void CheckWebhookIsNotThisGateway(IConfiguration configuration, LinkGatewayOptions options, List<string> errors)
    {
        if (!options.FoldBack.Webhook.Enabled || !Uri.TryCreate(options.FoldBack.Webhook.Url!.Trim(), UriKind.Absolute, out var hook))
        {
            return;
        }

        var own = ListenUrl.OfGateway(configuration["urls"], configuration["http_ports"], configuration["https_ports"],
                configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]))
            .Concat(ListenUrl.Split(options.Admin.Urls).Select(url => new ListenAddress("LinkGateway:Admin:Urls", url, ListenUrl.Reachable(url))));
        var hookIsLocal = hook.IsLoopback || (System.Net.IPAddress.TryParse(hook.Host.Trim('[', ']'), out var ip) && (ip.Equals(System.Net.IPAddress.Any) || ip.Equals(System.Net.IPAddress.IPv6Any)));
        foreach (var (_, written, reachable) in own)
        {
            if (reachable is not { } listen)
            {
                continue; // CheckListenUrls names it
            }

            // A wildcard listen address reads as loopback (ListenUrl.Reachable): every interface includes it.
            if (hook.Port == listen.Port && (string.Equals(hook.Host, listen.Host, StringComparison.OrdinalIgnoreCase) || (hookIsLocal && listen.IsLoopback)))
            {
                errors.Add($"{LinkGatewayOptions.SectionName}:FoldBack:Webhook:Url: \"{options.FoldBack.Webhook.Url}\" points at this gateway ({written}): "
                           + "the POSTs would be proxied and judged, not received; give the receiver's own address");
                return;
            }
        }
    }

    private static ScoringPolicy? ValidateScoring(LinkGatewayOptions options, List<string> errors, out Dictionary<Signal, double> weights)
    {
        weights = WeightSettings.Read(options.Weights, LinkGatewayOptions.SectionName, errors);

        // The policy checks its thresholds and weights itself (ScoringPolicy.Problems): one place for the rules, named here by key.
        var problems = ScoringPolicy.Problems(options.Thresholds.Suspect, options.Thresholds.Bot, weights);
        errors.AddRange(problems.Select(p => $"LinkGateway:{p.Key}: {p.Problem}"));
        return errors.Count == 0 ? new ScoringPolicy(options.Thresholds.Suspect, options.Thresholds.Bot, weights) : null;
    }

    private static SignatureSet? LoadSignatures(string directory, List<string> errors)
    {
        try
        {
            return SignatureLoader.LoadDirectory(directory);
        }
        catch (SignatureLoadException e)
        {
            errors.AddRange(e.Errors.Select(error => $"LinkGateway:Signatures:Path: {error}"));
            return null;
        }
    }
}
