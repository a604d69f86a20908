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
        // (1 - (1 - 0.40)(1 - 0.20)) × (1 - 0.95) = 0.026
        var signals = SignalSet.Empty.With(Signal.HdrNoAcceptLanguage).With(Signal.HdrAcceptAny).With(Signal.PassHuman);

        Assert.Equal(3, _scorer.ScoreOf(signals));
        Assert.Equal(VerdictKind.Human, _scorer.Score(signals).Kind);
    }

    [Theory]
    // The worked examples of the evidence model in docs/concepts/scoring.md.
    [InlineData("ua.library,hdr.no-accept-language,hdr.accept-any,client.mail-app", 95)] // strong: the claim counts for nothing
    [InlineData("net.vendor,client.mail-app", 90)]
    [InlineData("net.deny,pass.human", 99)] // strong: not even a pass cancels it
    [InlineData("ua.library,net.allow", 0)] // an operator's allow list does
    [InlineData("hdr.no-accept-language,hdr.no-sec-fetch,client.mail-app", 50)] // 58 → 29, held at the suspect threshold
    [InlineData("hdr.no-accept-language,client.mail-app", 20)] // 40 is human already: the claim may soften it
    [InlineData("hdr.no-accept-language,hdr.accept-any,net.datacenter,open.proxy-human,net.image-proxy", 7)] // corroborated claim
    [InlineData("hdr.no-accept-language,hdr.no-sec-fetch,pass.human", 3)] // verified: the pass takes it down
    [InlineData("hdr.no-accept-language,hdr.no-sec-fetch,pass.script", 50)] // a script that ran is only a claim
    public void EvidenceModel_WorkedExamples(string codes, int expected)
    {
        var signals = codes.Split(',').Aggregate(SignalSet.Empty, (set, code) => SignalCatalog.TryParse(code, out var s) ? set.With(s) : throw new ArgumentException(code));

        Assert.Equal(expected, _scorer.ScoreOf(signals));
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
