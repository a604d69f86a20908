using LinkGateway.Signals;

namespace LinkGateway.Scoring;

/// <summary>Thresholds and signal weights, validated once; immutable so a reload swaps the whole policy.</summary>
public sealed class ScoringPolicy
{
    public const int DefaultSuspectThreshold = 50;
    public const int DefaultBotThreshold = 80;

    private readonly double[] _weights;

    public ScoringPolicy(int suspectThreshold = DefaultSuspectThreshold, int botThreshold = DefaultBotThreshold,
        IReadOnlyDictionary<Signal, double>? weights = null)
    {
        weights ??= new Dictionary<Signal, double>();
        if (Problems(suspectThreshold, botThreshold, weights).FirstOrDefault() is { Key: not null } problem)
        {
            throw new ArgumentOutOfRangeException(problem.Key, problem.Problem);
        }

        SuspectThreshold = suspectThreshold;
        BotThreshold = botThreshold;
        _weights = SignalCatalog.All.Select(e => e.DefaultWeight).ToArray();
        foreach (var (signal, weight) in weights)
        {
            _weights[(int)signal] = weight;
        }
    }

    /// <summary>
    /// What keeps these thresholds and weights from making a policy, each named by its key as the LinkGateway configuration
    /// writes it ("Thresholds:Bot", "Weights:ua.library"): the one place the rules are written.
    /// </summary>
    public static IReadOnlyList<(string Key, string Problem)> Problems(int suspectThreshold, int botThreshold, IReadOnlyDictionary<Signal, double> weights)
    {
        var problems = new List<(string, string)>();
        if (suspectThreshold is < 1 or > 100)
        {
            problems.Add(("Thresholds:Suspect", $"{suspectThreshold} is outside 1..100"));
        }
        else if (botThreshold < suspectThreshold || botThreshold > 100)
        {
            problems.Add(("Thresholds:Bot", $"{botThreshold} must be between the suspect threshold ({suspectThreshold}) and 100"));
        }

        foreach (var (signal, weight) in weights)
        {
            if (weight is < 0 or > 1 || double.IsNaN(weight))
            {
                problems.Add(($"Weights:{signal.Code()}", $"{weight.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside 0..1"));
            }
        }

        return problems;
    }

    public static ScoringPolicy Default { get; } = new();

    public int SuspectThreshold { get; }

    public int BotThreshold { get; }

    public double Weight(Signal signal) => _weights[(int)signal];

    public VerdictKind Classify(int score) =>
        score >= BotThreshold ? VerdictKind.Bot : score >= SuspectThreshold ? VerdictKind.Suspect : VerdictKind.Human;
}
