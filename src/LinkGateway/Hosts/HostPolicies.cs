using System.Collections.Frozen;
using LinkGateway.Contracts;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Hosts;

/// <summary>
/// The per-host policies of LinkGateway:Hosts, compiled once per configuration and swapped with the guard's snapshot on a
/// reload. A lookup neither allocates nor scans: the exact name first, then "*.parent" for each parent domain from the
/// nearest, then "*", then the global defaults. Names compare as DNS does: any case, the port and trailing dots ignored.
/// </summary>
public sealed class HostPolicies
{
    public const string SectionName = "LinkGateway:Hosts";
    public const string AnyHost = "*";

    /// <summary>DNS limits (RFC 1035 §2.3.4): names the gateway could ever be asked for.</summary>
    private const int MaxNameLength = 253;

    private readonly FrozenDictionary<string, HostPolicy>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly FrozenDictionary<string, HostPolicy>.AlternateLookup<ReadOnlySpan<char>> _wildcards; // keyed by the parent: "example.com" for "*.example.com"

    private HostPolicies(Dictionary<string, HostPolicy> exact, Dictionary<string, HostPolicy> wildcards, HostPolicy fallback)
    {
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = wildcards.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        Default = fallback;
    }

    /// <summary>The policy of a host no entry names: the "*" entry's, else the global settings (the origin's own Host is sent).</summary>
    public HostPolicy Default { get; }

    /// <summary>No LinkGateway:Hosts entries: every host is judged by the global settings.</summary>
    public static HostPolicies None(VerdictScorer scorer) =>
        new([], [], new HostPolicy(pattern: null, shield: null, scorer, brand: null, forwardHost: false));

    /// <summary>The policy for a request's Host header (<c>HttpRequest.Host.Value</c>, port and all); <see cref="Default"/> when none matches.</summary>
    public HostPolicy For(string? host) => For(host.AsSpan());

    /// <inheritdoc cref="For(string?)"/>
    public HostPolicy For(ReadOnlySpan<char> host)
    {
        var name = HostName.Of(host);
        if (name.IsEmpty || name.Length > MaxNameLength)
        {
            return Default;
        }

        if (_exact.TryGetValue(name, out var policy))
        {
            return policy;
        }

        // The nearest parent first: "*.eu.example.com" wins over "*.example.com" for a.eu.example.com.
        for (var rest = name; rest.IndexOf('.') is var dot and >= 0; rest = rest[(dot + 1)..])
        {
            if (_wildcards.TryGetValue(rest[(dot + 1)..], out policy))
            {
                return policy;
            }
        }

        return Default;
    }

    /// <summary>
    /// Compiles LinkGateway:Hosts: each entry's weights over <paramref name="globalWeights"/>, with the global thresholds.
    /// Problems go to <paramref name="errors"/>, each naming its key; the result is null when there were any.
    /// </summary>
    public static HostPolicies? Compile(IReadOnlyDictionary<string, HostPolicyOptions> hosts, int suspectThreshold, int botThreshold,
        IReadOnlyDictionary<Signal, double> globalWeights, VerdictScorer globalScorer, List<string> errors)
    {
        var before = errors.Count;
        var exact = new Dictionary<string, HostPolicy>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, HostPolicy>(StringComparer.OrdinalIgnoreCase);
        HostPolicy? any = null;
        foreach (var (key, options) in hosts)
        {
            var path = $"{SectionName}:{key}";
            if (Problem(key) is { } problem)
            {
                errors.Add($"{path}: {problem}");
                continue;
            }

            // The names LinkGateway:Brands loads (BrandBook checks that one is there).
            if (options.Brand is { } brand && !RoutePolicy.IsBrandName(brand.Trim()))
            {
                errors.Add($"{path}:Brand: must be a name of 1..{RoutePolicy.MaxBrandNameLength} printable characters: letters, digits, '-' and '_', a key under LinkGateway:Brands");
            }

            var scorer = Scorer(options.Weights, path, suspectThreshold, botThreshold, globalWeights, errors) ?? globalScorer;
            var name = key.TrimEnd('.').ToLowerInvariant();
            var policy = new HostPolicy(name, options.Shield, scorer, options.Brand?.Trim(), options.ForwardHost ?? name != "*");
            if (name == AnyHost)
            {
                any = policy;
            }
            else if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                wildcards[name[2..]] = policy;
            }
            else
            {
                exact[name] = policy;
            }
        }

        return errors.Count > before
            ? null
            : new HostPolicies(exact, wildcards, any ?? new HostPolicy(pattern: null, shield: null, globalScorer, brand: null, forwardHost: false));
    }

    /// <summary>What is wrong with a LinkGateway:Hosts key, or null: an exact DNS name, "*.parent" or "*".</summary>
    private static string? Problem(string key)
    {
        const string Expected = "expected a host name (links.example.com), *.example.com for every name under example.com, or * for any other host";
        if (key == AnyHost)
        {
            return null;
        }

        var name = key.StartsWith("*.", StringComparison.Ordinal) ? key[2..] : key;
        name = name.TrimEnd('.');
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"not a host name ({Expected})";
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return $"\"{label}\" is not a DNS label ({Expected}; internationalised names in their xn-- form)";
            }
        }

        return null;
    }

    private static VerdictScorer? Scorer(Dictionary<string, double> overrides, string path, int suspectThreshold, int botThreshold,
        IReadOnlyDictionary<Signal, double> globalWeights, List<string> errors)
    {
        if (overrides.Count == 0)
        {
            return null;
        }

        var own = WeightSettings.Read(overrides, path, errors);
        var weights = new Dictionary<Signal, double>(globalWeights);
        foreach (var (signal, weight) in own)
        {
            weights[signal] = weight;
        }

        // The thresholds are global and checked there; the weight rules are the policy's own (ScoringPolicy.Problems).
        var problems = ScoringPolicy.Problems(suspectThreshold, botThreshold, own).Where(p => p.Key.StartsWith("Weights:", StringComparison.Ordinal)).ToList();
        errors.AddRange(problems.Select(p => $"{path}:{p.Key}: {p.Problem}"));
        return problems.Count == 0 && own.Count == overrides.Count ? new VerdictScorer(new ScoringPolicy(suspectThreshold, botThreshold, weights)) : null;
    }
}
