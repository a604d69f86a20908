using LinkGateway.Signals;

namespace LinkGateway.Scoring;

public class VerdictScorerTests
{
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);

    [Fact]
    public void NoSignals_IsAPersonWithScoreZeroAndNoReasons()
    {
        var verdict = _scorer.Score(SignalSet.Empty);

        Assert.Equal((0, VerdictKind.Human, string.Empty), (verdict.Score, verdict.Kind, verdict.Reasons));
    }

    [Fact]
    public void Signals_CombineAsNoisyOr()
    {
        // 1 - (1 - 0.40)(1 - 0.20) = 0.52
        var signals = SignalSet.Empty.With(Signal.HdrNoAcceptLanguage).With(Signal.HdrAcceptAny);

        Assert.Equal(52, _scorer.ScoreOf(signals));
    }

    [Fact]
    public void HumanEvidence_CancelsAShareOfTheRest()
    {
        // (1 - (1 - 0.90)) × (1 - 0.95) = 0.045
        var signals = SignalSet.Empty.With(Signal.UaLibrary).With(Signal.PassHuman);

        Assert.Equal(5, _scorer.ScoreOf(signals));
        Assert.Equal(VerdictKind.Human, _scorer.Score(signals).Kind);
    }

    [Fact]
    public void Reasons_AreHeaviestFirst()
    {
        var signals = SignalSet.Empty.With(Signal.HdrAcceptAny).With(Signal.UaLibrary).With(Signal.HdrNoAcceptLanguage);

        Assert.Equal("ua.library,hdr.no-accept-language,hdr.accept-any", _scorer.Score(signals).Reasons);
    }

    [Theory]
    [InlineData(0, VerdictKind.Human)]
    [InlineData(49, VerdictKind.Human)]
    [InlineData(50, VerdictKind.Suspect)]
    [InlineData(79, VerdictKind.Suspect)]
    [InlineData(80, VerdictKind.Bot)]
    [InlineData(100, VerdictKind.Bot)]
    public void Classify_UsesTheDefaultThresholds(int score, VerdictKind expected)
    {
        Assert.Equal(expected, ScoringPolicy.Default.Classify(score));
    }

    [Fact]
    public void ConfiguredWeightsAndThresholds_Apply()
    {
        var policy = new ScoringPolicy(30, 60, new Dictionary<Signal, double> { [Signal.HdrAcceptAny] = 0.35 });
        var verdict = new VerdictScorer(policy).Score(SignalSet.Empty.With(Signal.HdrAcceptAny));

        Assert.Equal((35, VerdictKind.Suspect), (verdict.Score, verdict.Kind));
    }

    [Fact]
    public void Catalog_HasOneUniqueCodePerSignal()
    {
        var codes = SignalCatalog.All.Select(e => e.Code).ToList();

        Assert.Equal(Enum.GetValues<Signal>().Length, codes.Count);
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(Enum.GetValues<Signal>(), s => Assert.True(SignalCatalog.TryParse(s.Code(), out var back) && back == s));
    }
}
