using System.Net;
using LinkGateway.Guard;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.Signatures;
using LinkGateway.Signing;

namespace LinkGateway.Hosting;

/// <summary>The configuration, checked and compiled: what the host needs to start.</summary>
public sealed record ValidatedConfig(LinkGatewayOptions Options, GuardSnapshot Snapshot, byte[] SigningKey);

/// <summary>
/// Checks the whole configuration before anything starts, collecting every error, each naming its key,
/// so an operator sees all of them at once rather than one per restart.
/// </summary>
public static class GatewayConfigValidator
{
    public static ValidatedConfig Validate(IConfiguration configuration, string configDirectory)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(LinkGatewayOptions.SectionName);
        LinkGatewayOptions options;
        try
        {
            options = section.Get<LinkGatewayOptions>() ?? new LinkGatewayOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new GatewayConfigurationException([DescribeBindingError(e.Message)]);
        }

        var signingKey = BotHeaderSignature.TryParseKey(options.Signing.Key, out var keyProblem);
        if (signingKey is null)
        {
            errors.Add($"LinkGateway:Signing:Key: {keyProblem} (base64 of at least {BotHeaderSignature.MinimumKeyBytes} random bytes, shared with the origin; e.g. `openssl rand -base64 32`)");
        }

        ValidateRoutes(configuration, errors);
        var policy = ValidateScoring(options, errors);
        ValidateIdentity(options.Identity, errors);
        ValidateTrust(options.ForwardedHeaders, errors);
        ValidatePositive("LinkGateway:Redis:Budget", options.Redis.Budget, errors);
        ValidatePositive("LinkGateway:Memory:TagTtl", options.Memory.TagTtl, errors);
        ValidatePositive("LinkGateway:Timing:FastAfterSend", options.Timing.FastAfterSend, errors);
        ValidatePositive("LinkGateway:Shield:PassLifetime", options.Shield.PassLifetime, errors);
        ValidatePositive("LinkGateway:Redis:ProbeInterval", options.Redis.ProbeInterval, errors);
        ValidatePositive("LinkGateway:Redis:MaxWait", options.Redis.MaxWait, errors);
        ValidateBehaviour(options.Behaviour, errors);
        if (options.Redis.CircuitFailures < 1)
        {
            errors.Add($"LinkGateway:Redis:CircuitFailures: {options.Redis.CircuitFailures} must be at least 1");
        }

        ValidatePositive("LinkGateway:Shield:CookieLifetime", options.Shield.CookieLifetime, errors);
        if (options.Shield.MaxFormBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"LinkGateway:Shield:MaxFormBytes: {options.Shield.MaxFormBytes} is outside 1024..1048576");
        }

        if (string.IsNullOrWhiteSpace(options.Redis.KeyPrefix))
        {
            errors.Add("LinkGateway:Redis:KeyPrefix: must not be empty (default \"lg:\")");
        }

        if (!string.IsNullOrWhiteSpace(options.Redis.Configuration))
        {
            try
            {
                StackExchange.Redis.ConfigurationOptions.Parse(options.Redis.Configuration);
            }
            catch (ArgumentException e)
            {
                errors.Add($"LinkGateway:Redis:Configuration: {e.Message} (expected e.g. \"redis:6379\" or \"host1:6379,host2:6379,password=...\")");
            }
        }

        if (options.Admin.Enabled && (options.Admin.Token?.Length ?? 0) < 32)
        {
            errors.Add("LinkGateway:Admin:Token: needs at least 32 characters when LinkGateway:Admin:Urls is set (e.g. `openssl rand -base64 32`)");
        }

        if (options.Memory.InProcessMaxBytes < 1024 * 1024)
        {
            errors.Add($"LinkGateway:Memory:InProcessMaxBytes: {options.Memory.InProcessMaxBytes} is too small (at least 1048576, 1 MiB; default 268435456, 256 MiB)");
        }

        if (options.RateLimit.Enabled && (options.RateLimit.Burst < 1 || options.RateLimit.PerSecond < 1))
        {
            errors.Add("LinkGateway:RateLimit: Burst and PerSecond must be at least 1 (or set Enabled to false)");
        }

        if (options.RateLimit.MaxConcurrentRequests < 1)
        {
            errors.Add($"LinkGateway:RateLimit:MaxConcurrentRequests: {options.RateLimit.MaxConcurrentRequests} must be at least 1 (default 2048)");
        }

        if (options.RateLimit.IPv6PrefixLength is < 32 or > 128)
        {
            errors.Add($"LinkGateway:RateLimit:IPv6PrefixLength: {options.RateLimit.IPv6PrefixLength} is outside 32..128 (default 64)");
        }

        ValidateKeyRingFolder(options, errors);
        var signatures = LoadSignatures(Path.GetFullPath(options.Signatures.Path, configDirectory), errors);

        if (errors.Count > 0 || policy is null || signatures is null || signingKey is null)
        {
            throw new GatewayConfigurationException(errors);
        }

        var detector = new StatelessDetector(signatures, new DetectionOptions { FastAfterSend = options.Timing.FastAfterSend });
        var snapshot = new GuardSnapshot(detector, new VerdictScorer(policy), options.Identity, options.Redis.MaxWait, options.Memory.TagTtl, options.Behaviour, options.Mode);
        return new ValidatedConfig(options, snapshot, signingKey);
    }

    /// <summary>The binder says "Failed to convert configuration value 'abc' at 'A:B' to type 'System.Int32'."; lead with the key.</summary>
    private static string DescribeBindingError(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, "value '(?<value>.*)' at '(?<key>[^']+)' to type '(?:System\\.)?(?<type>[^']+)'");
        return match.Success ? $"{match.Groups["key"].Value}: \"{match.Groups["value"].Value}\" is not a valid {match.Groups["type"].Value}" : message;
    }

    private static void ValidateRoutes(IConfiguration configuration, List<string> errors)
    {
        foreach (var route in configuration.GetSection("ReverseProxy:Routes").GetChildren())
        {
            if (RoutePolicy.Parse(route, out var problem) is null)
            {
                errors.Add($"ReverseProxy:Routes:{route.Key}:Metadata:{problem}");
            }
        }
    }

    private static ScoringPolicy? ValidateScoring(LinkGatewayOptions options, List<string> errors)
    {
        var weights = new Dictionary<Signal, double>();
        foreach (var (code, weight) in options.Weights)
        {
            if (!SignalCatalog.TryParse(code, out var signal))
            {
                errors.Add($"LinkGateway:Weights:{code}: unknown reason code (known: {string.Join(", ", SignalCatalog.All.Select(e => e.Code))})");
            }
            else if (weight is < 0 or > 1 || double.IsNaN(weight))
            {
                errors.Add($"LinkGateway:Weights:{code}: {weight} is outside 0..1");
            }
            else
            {
                weights[signal] = weight;
            }
        }

        var (suspect, bot) = (options.Thresholds.Suspect, options.Thresholds.Bot);
        if (suspect is < 1 or > 100)
        {
            errors.Add($"LinkGateway:Thresholds:Suspect: {suspect} is outside 1..100");
            return null;
        }

        if (bot < suspect || bot > 100)
        {
            errors.Add($"LinkGateway:Thresholds:Bot: {bot} must be between the suspect threshold ({suspect}) and 100");
            return null;
        }

        return errors.Count == 0 ? new ScoringPolicy(suspect, bot, weights) : null;
    }

    private static void ValidateIdentity(IdentityOptions identity, List<string> errors)
    {
        foreach (var (name, value) in new[]
                 {
                     ("MessageId", identity.MessageId), ("RecipientId", identity.RecipientId),
                     ("LinkId", identity.LinkId), ("SentAt", identity.SentAt),
                 })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"LinkGateway:Identity:{name}: must name a route value or query parameter");
            }
        }
    }

    private static void ValidateTrust(ProxyTrustOptions trust, List<string> errors)
    {
        for (var i = 0; i < trust.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(trust.KnownProxies[i], out _))
            {
                errors.Add($"LinkGateway:ForwardedHeaders:KnownProxies:{i}: \"{trust.KnownProxies[i]}\" is not an IP address");
            }
        }

        for (var i = 0; i < trust.KnownNetworks.Count; i++)
        {
            if (!SignatureLoader.TryParseNetwork(trust.KnownNetworks[i], out _))
            {
                errors.Add($"LinkGateway:ForwardedHeaders:KnownNetworks:{i}: \"{trust.KnownNetworks[i]}\" is not a CIDR network (e.g. 10.0.0.0/8, host bits clear)");
            }
        }
    }

    private static void ValidateBehaviour(BehaviourOptions behaviour, List<string> errors)
    {
        foreach (var (name, window) in new[]
                 {
                     (nameof(behaviour.BurstLinksWindow), behaviour.BurstLinksWindow), (nameof(behaviour.FanoutWindow), behaviour.FanoutWindow),
                     (nameof(behaviour.BurstDomainWindow), behaviour.BurstDomainWindow), (nameof(behaviour.BurstDomainAfterSend), behaviour.BurstDomainAfterSend),
                     (nameof(behaviour.HoneypotWindow), behaviour.HoneypotWindow), (nameof(behaviour.FoldBackWindow), behaviour.FoldBackWindow),
                 })
        {
            ValidatePositive($"LinkGateway:Behaviour:{name}", window, errors);
        }

        foreach (var (name, threshold) in new[]
                 {
                     (nameof(behaviour.BurstLinksThreshold), behaviour.BurstLinksThreshold), (nameof(behaviour.FanoutAddressThreshold), behaviour.FanoutAddressThreshold),
                     (nameof(behaviour.FanoutPrefixThreshold), behaviour.FanoutPrefixThreshold), (nameof(behaviour.BurstDomainThreshold), behaviour.BurstDomainThreshold),
                     (nameof(behaviour.FoldBackMaxEntries), behaviour.FoldBackMaxEntries),
                 })
        {
            if (threshold < 2 && name != nameof(behaviour.FoldBackMaxEntries) || threshold < 1)
            {
                errors.Add($"LinkGateway:Behaviour:{name}: {threshold} is too small (a count of distinct things, at least 2)");
            }
        }
    }

    /// <summary>The interstitial's key ring must be writable here, or no node could issue a pass while Redis is away.</summary>
    private static void ValidateKeyRingFolder(LinkGatewayOptions options, List<string> errors)
    {
        var folder = options.Shield.KeyRingFolder(options.Redis.KeyPrefix);
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, string.Empty);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"LinkGateway:Shield:KeyRingPath: cannot write to {folder} ({e.Message}); point it at a writable folder (a volume on a read-only filesystem)");
        }
    }

    private static void ValidatePositive(string key, TimeSpan value, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key}: must be a positive time span (found {value})");
        }
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
