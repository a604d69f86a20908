using System.Collections.Concurrent;
using LinkGateway.Signals;

namespace LinkGateway.Scoring;

/// <summary>
/// Turns fired signals into a <see cref="Verdict"/>. The combination is a noisy-OR, chosen because it is
/// deterministic, order-free and explainable in one line:
/// <c>p = (1 - Π(1 - w_automated)) × Π(1 - w_person)</c>, score = round(100 × p).
/// Independent weak signals add up without any one of them deciding alone, and evidence of a person
/// (a passed interstitial, a mailbox image proxy) cancels a share of what remains — within the limits of the
/// evidence model (<see cref="Provenance"/>):
/// <list type="number">
/// <item>With strong evidence of automation (<see cref="SignalCatalog.Strong"/>), person signals count for nothing; only
/// an operator's allow list (<c>net.allow</c>) still clears the score.</item>
/// <item>Claims a client writes itself (<see cref="SignalCatalog.Claims"/>) never take a request that would be suspect or
/// bot below the suspect threshold, unless verified person evidence (a pass, a corroborating network) is present too.</item>
/// </list>
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
        foreach (var signal in signals.Intersect(SignalCatalog.Automated))
        {
            notAutomated *= 1 - Policy.Weight(signal);
        }

        var automated = 1 - notAutomated;
        var person = signals.Intersect(SignalCatalog.Claims).Union(signals.Intersect(SignalCatalog.Verified));
        if (!signals.Intersect(SignalCatalog.Strong).IsEmpty)
        {
            person = person.Intersect(SignalSet.Empty.With(Signal.NetAllow)); // an operator's word outranks the evidence
        }

        var personFactor = 1.0;
        foreach (var signal in person)
        {
            personFactor *= 1 - Policy.Weight(signal);
        }

        var score = Round(automated * personFactor);
        var onlyClaims = !person.IsEmpty && person.Intersect(SignalCatalog.Verified).IsEmpty;
        return onlyClaims && Round(automated) >= Policy.SuspectThreshold ? Math.Max(score, Policy.SuspectThreshold) : score;
    }

    private static int Round(double probability) => (int)Math.Round(100 * probability, MidpointRounding.AwayFromZero);

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
