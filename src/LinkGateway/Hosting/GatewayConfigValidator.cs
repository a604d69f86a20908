using System.Net;
using LinkGateway.Contracts;
using LinkGateway.Guard;
using LinkGateway.ProxyTrust;
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
        var options = OptionsBinder.Bind<LinkGatewayOptions>(configuration.GetSection(LinkGatewayOptions.SectionName), errors);
        var signingKey = BotHeaderSignature.TryParseKey(options.Signing.Key, out var keyProblem);
        if (signingKey is null)
        {
            errors.Add($"LinkGateway:Signing:Key: {keyProblem} (base64 of at least {BotHeaderSignature.MinimumKeyBytes} random bytes, shared with the origin; e.g. `openssl rand -base64 32`)");
        }

        ProxyConfigRules.Check(configuration, errors);
        var policy = ValidateScoring(options, errors);
        ValidateIdentity(options.Identity, errors);
        ValidateTrust(options.ForwardedHeaders, errors);
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

        ValidateKeyRingFolder(options, errors);
        var signatures = LoadSignatures(Path.GetFullPath(options.Signatures.Path, configDirectory), errors);

        if (errors.Count > 0 || policy is null || signatures is null || signingKey is null)
        {
            throw new GatewayConfigurationException(errors);
        }

        var detector = new StatelessDetector(signatures, options.Timing);
        var snapshot = new GuardSnapshot(detector, new VerdictScorer(policy), options.Identity, options.Redis.Budget, options.Redis.MaxWait, options.Memory.TagTtl, options.Behaviour, options.Mode);
        return new ValidatedConfig(options, snapshot, signingKey);
    }

    private static ScoringPolicy? ValidateScoring(LinkGatewayOptions options, List<string> errors)
    {
        var weights = new Dictionary<Signal, double>();
        foreach (var (code, weight) in options.Weights)
        {
            if (!SignalCatalog.TryParse(code, out var signal))
            {
                errors.Add($"LinkGateway:Weights:{code}: unknown reason code ({ConfigNames.Hint(code, SignalCatalog.All.Select(e => e.Code))})");
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

        // Each threshold's own range is declared on ThresholdOptions; here only how the two relate.
        var (suspect, bot) = (options.Thresholds.Suspect, options.Thresholds.Bot);
        if (bot < suspect)
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
