using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Observability;

/// <summary>The dashboard's memory: a ring of the last 60 minutes that forgets older ones, and fixed-size network counts.</summary>
public sealed class DashboardBoardTests
{
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 30, TimeSpan.Zero));

    [Fact]
    public void Minutes_AreTheLastHour_CurrentLast_AndAnHourLaterTheOldCountsAreGone()
    {
        var board = new DashboardBoard(_time);
        board.Add(LinkKind.Click, Verdict(), GuardAction.Forward, "198.51.100.0/24");
        board.Add(LinkKind.Click, Verdict(Signal.UaLibrary, Signal.HdrNoAcceptLanguage), GuardAction.Forward, "203.0.113.0/24");

        var now = board.Snapshot();
        _time.Advance(TimeSpan.FromMinutes(60));
        board.Add(LinkKind.Click, Verdict(), GuardAction.Forward, null);
        var hourLater = board.Snapshot();

        Assert.Equal(DashboardBoard.Minutes, now.Minutes.Count);
        Assert.Equal((1, 0, 1), (now.Minutes[^1].Human, now.Minutes[^1].Suspect, now.Minutes[^1].Bot));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), now.Minutes[^1].Minute);
        Assert.Equal((1, 0, 0), (hourLater.Minutes[^1].Human, hourLater.Minutes[^1].Suspect, hourLater.Minutes[^1].Bot)); // same slot, reused
        Assert.Equal(1, hourLater.Minutes.Sum(m => m.Human + m.Bot));
        Assert.Equal("203.0.113.0/24", Assert.Single(hourLater.TopBotNetworks).Name); // networks are totals, not windowed
    }

    [Fact]
    public void ShieldAndOpens_AreCountedByWhatHappened()
    {
        var board = new DashboardBoard(_time);
        board.Add(LinkKind.Unsubscribe, Verdict(Signal.UaLibrary), GuardAction.Interstitial, null);
        board.Add(LinkKind.Unsubscribe, Verdict(Signal.PassHuman), GuardAction.Forward, null);
        board.Add(LinkKind.Open, Verdict(Signal.OpenMachine), GuardAction.Absorb, null);
        board.Add(LinkKind.Open, Verdict(Signal.OpenProxyHuman), GuardAction.Forward, null);

        var snapshot = board.Snapshot();

        Assert.Equal(new ShieldFunnel(1, 1), snapshot.Shield);
        Assert.Equal(new OpenSources(Machine: 1, ProxyHuman: 1, Other: 0, Absorbed: 1), snapshot.Opens);
        Assert.Equal(["open.machine", "open.proxy-human", "pass.human", "ua.library"], snapshot.Reasons.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Origin_CountsAnswers5xxAndNoAnswer_WithPercentilesAsBucketBounds_OverTheHour()
    {
        var board = new DashboardBoard(_time);
        for (var i = 0; i < 98; i++)
        {
            board.AddOrigin(TimeSpan.FromMilliseconds(3), 302); // ≤ 5 ms
        }

        board.AddOrigin(TimeSpan.FromMilliseconds(40), 502); // ≤ 50 ms
        board.AddOrigin(TimeSpan.FromMilliseconds(700), 200); // ≤ 1 s
        board.AddOrigin(TimeSpan.FromSeconds(1), null); // refused: not an answer, no latency

        var now = board.Snapshot().Origin;
        _time.Advance(TimeSpan.FromMinutes(61));
        var hourLater = board.Snapshot().Origin;

        Assert.Equal(new OriginHealth(Answered: 100, Errors5xx: 1, Failed: 1, P50Ms: 5, P99Ms: 50), now);
        Assert.Equal(new OriginHealth(0, 0, 0, null, null), hourLater);
    }

    [Fact]
    public void TotalsAndDegradedShare_AddUpTheVerdicts()
    {
        var board = new DashboardBoard(_time);
        board.Add(LinkKind.Click, Verdict(), GuardAction.Forward, null);
        board.Add(LinkKind.Click, Verdict(Signal.UaLibrary, Signal.HdrNoAcceptLanguage), GuardAction.Forward, null);
        board.Add(LinkKind.Click, Verdict() with { Degraded = "store-unavailable" }, GuardAction.Forward, null);
        board.Add(LinkKind.Click, Verdict() with { Degraded = "store-unavailable" }, GuardAction.Forward, null);

        Assert.Equal(new VerdictTotals(Human: 3, Suspect: 0, Bot: 1, Degraded: 2), board.Snapshot().Totals);
        Assert.Equal(0.5, board.DegradedShare());
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, board.DegradedShare()); // five minutes on, those verdicts left its window
    }

    private static Verdict Verdict(params Signal[] signals) =>
        _scorer.Score(signals.Aggregate(SignalSet.Empty, (set, signal) => set.With(signal)));
}
