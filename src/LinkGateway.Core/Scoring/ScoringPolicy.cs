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
        if (suspectThreshold is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(suspectThreshold), suspectThreshold, "must be 1..100");
        }

        if (botThreshold < suspectThreshold || botThreshold > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(botThreshold), botThreshold, "must be between the suspect threshold and 100");
        }

        SuspectThreshold = suspectThreshold;
        BotThreshold = botThreshold;
        _weights = SignalCatalog.All.Select(e => e.DefaultWeight).ToArray();
        foreach (var (signal, weight) in weights ?? new Dictionary<Signal, double>())
        {
            if (weight is < 0 or > 1 || double.IsNaN(weight))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), weight, $"weight of {signal.Code()} must be 0..1");
            }

            _weights[(int)signal] = weight;
        }
    }

    public static ScoringPolicy Default { get; } = new();

    public int SuspectThreshold { get; }

    public int BotThreshold { get; }

    public double Weight(Signal signal) => _weights[(int)signal];

    public VerdictKind Classify(int score) =>
        score >= BotThreshold ? VerdictKind.Bot : score >= SuspectThreshold ? VerdictKind.Suspect : VerdictKind.Human;
}
