using System.Collections.Concurrent;
using LinkGateway.Signals;

namespace LinkGateway.Scoring;

/// <summary>
/// Turns fired signals into a <see cref="Verdict"/>. The combination is a noisy-OR, chosen because it is
/// deterministic, order-free and explainable in one line:
/// <c>p = (1 - Π(1 - w_automated)) × Π(1 - w_human)</c>, score = round(100 × p).
/// Independent weak signals add up without any one of them deciding alone, and evidence of a person
/// (a passed interstitial, a mailbox image proxy) cancels a share of what remains.
/// </summary>
public sealed class VerdictScorer
{
    // Reasons text per signal mask: the set of masks seen in practice is small, so after warm-up a
    // verdict costs one allocation (the Verdict itself).
    private readonly ConcurrentDictionary<ulong, string> _reasons = new();

    public VerdictScorer(ScoringPolicy policy)
    {
        Policy = policy;
    }

    public ScoringPolicy Policy { get; }

    public int ScoreOf(SignalSet signals)
    {
        var notAutomated = 1.0;
        var humanFactor = 1.0;
        foreach (var signal in signals)
        {
            var weight = Policy.Weight(signal);
            if (SignalCatalog.Get(signal).Direction == SignalDirection.Automated)
            {
                notAutomated *= 1 - weight;
            }
            else
            {
                humanFactor *= 1 - weight;
            }
        }

        return (int)Math.Round(100 * (1 - notAutomated) * humanFactor, MidpointRounding.AwayFromZero);
    }

    public Verdict Score(SignalSet signals, string? degraded = null)
    {
        var score = ScoreOf(signals);
        return new Verdict(score, Policy.Classify(score), signals, ReasonsOf(signals), degraded);
    }

    /// <summary>Reason codes, heaviest first; equal weights keep catalog order so the text is stable.</summary>
    public string ReasonsOf(SignalSet signals)
    {
        if (signals.IsEmpty)
        {
            return string.Empty;
        }

        return _reasons.GetOrAdd(signals.Bits, static (bits, policy) =>
        {
            var ordered = new SignalSet(bits).Signals()
                .OrderByDescending(policy.Weight)
                .ThenBy(s => (int)s)
                .Select(s => s.Code());
            return string.Join(',', ordered);
        }, Policy);
    }
}
