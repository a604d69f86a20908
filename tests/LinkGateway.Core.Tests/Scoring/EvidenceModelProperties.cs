using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LinkGateway.Signals;

namespace LinkGateway.Scoring;

/// <summary>
/// The evidence model over every combination of signals (FsCheck): what a client claims about itself never cancels
/// strong evidence, never takes suspect-or-worse below suspect on its own, and never raises a score.
/// </summary>
public sealed class EvidenceModelProperties
{
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);
    private static readonly Signal[] _all = Enum.GetValues<Signal>();

    private static Arbitrary<SignalSet> SetOf(SignalSet within) =>
        Gen.Elements(_all.Where(within.Contains).ToArray()).ListOf()
            .Select(signals => signals.Aggregate(SignalSet.Empty, (set, s) => set.With(s)))
            .ToArbitrary();

    private static SignalSet Automated => SignalCatalog.Automated;

    private static SignalSet PersonButAllowList => SignalCatalog.Claims.Union(SignalCatalog.Verified).Without(Signal.NetAllow);

    [Property(MaxTest = 2000)]
    public Property PersonEvidence_NeverCancelsStrongEvidence() =>
        Prop.ForAll(SetOf(Automated), SetOf(PersonButAllowList), (automated, person) =>
            automated.Intersect(SignalCatalog.Strong).IsEmpty || _scorer.ScoreOf(automated.Union(person)) == _scorer.ScoreOf(automated));

    [Property(MaxTest = 2000)]
    public Property Claims_AloneNeverTakeARequestBelowSuspect() =>
        Prop.ForAll(SetOf(Automated), SetOf(SignalCatalog.Claims), (automated, claims) =>
            _scorer.ScoreOf(automated) < _scorer.Policy.SuspectThreshold
            || _scorer.ScoreOf(automated.Union(claims)) >= _scorer.Policy.SuspectThreshold);

    [Property(MaxTest = 2000)]
    public Property Claims_NeverRaiseAScore() =>
        Prop.ForAll(SetOf(Automated.Union(SignalCatalog.Verified)), SetOf(SignalCatalog.Claims), (rest, claims) =>
            _scorer.ScoreOf(rest.Union(claims)) <= _scorer.ScoreOf(rest));

    [Property(MaxTest = 2000)]
    public Property MoreAutomationEvidence_NeverLowersAScore() =>
        Prop.ForAll(SetOf(Automated.Union(PersonButAllowList)), Gen.Elements(_all.Where(Automated.Contains).ToArray()).ToArbitrary(), (signals, more) =>
            _scorer.ScoreOf(signals.With(more)) >= _scorer.ScoreOf(signals));
}
