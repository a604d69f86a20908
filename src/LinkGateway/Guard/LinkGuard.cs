using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Hosts;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Networks;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.Signatures;

namespace LinkGateway.Guard;

/// <summary>What the guard concluded about one request and what it does about it.</summary>
/// <param name="Verdict">The verdict the origin is told.</param>
/// <param name="Action">What happens now (always Forward in observe mode).</param>
/// <param name="EnforcedAction">What enforce mode does: the impact an observe-mode operator previews.</param>
/// <param name="Remember">What to write to the store after the verdict, when anything.</param>
/// <param name="Store">How the store round trip went: its duration (null when the store was not asked) and the tags it led to.</param>
/// <param name="ClientPrefix">The client's /24 or /48, when known.</param>
/// <param name="MayPass">The client may get through a shielded link by a pass (<see cref="LinkGuard.MayPass"/>).</param>
public sealed record Judgement(Verdict Verdict, GuardAction Action, GuardAction EnforcedAction, MemoryRemember? Remember, StoreOutcome Store, string? ClientPrefix,
    bool MayPass);

/// <summary>
/// The judgement of one request: stateless signals, one store round trip, behaviour, verdict, and the
/// route's policy. Shared by the proxy pipeline (<see cref="LinkGuardMiddleware"/>) and the offline
/// replay of access logs (<c>evaluate</c>), so both judge exactly alike.
/// </summary>
public sealed partial class LinkGuard(GuardSnapshotHolder snapshots, IGatewayMemory memory, StoreCircuit circuit, ObservationBacklog backlog,
    OperatorNetworks operatorNetworks, TimeProvider time, ILogger<LinkGuard> logger)
{
    public const string StoreUnavailable = "store-unavailable";

    private readonly FirstSeenMessages _firstSeen = new();

    public GuardSnapshot Snapshot => snapshots.Current;

    /// <summary>Null when the request was cancelled (the client left).</summary>
    /// <param name="oneClick">The request is an RFC 8058 one-click unsubscribe.</param>
    /// <param name="host">The policy of the request's host (its weights); the snapshot's default when null.</param>
    public async ValueTask<Judgement?> JudgeAsync(RoutePolicy policy, RequestFingerprint fingerprint, PassKind? pass, bool oneClick, string requestId,
        CancellationToken cancellationToken, HostPolicy? host = null)
    {
        var snapshot = snapshots.Current;
        if (fingerprint.Identity is { FirstSeenStandsIn: true, MessageId: { } message } && _firstSeen.Find(message, time.GetUtcNow()) is { } seen)
        {
            fingerprint = fingerprint with { Identity = fingerprint.Identity with { SentAt = seen, FirstSeenStandsIn = false } };
        }

        var scorer = (host ?? snapshot.Hosts.Default).Scorer;
        var signals = snapshot.Detector.Detect(fingerprint, out var network).Union(operatorNetworks.SignalsFor(fingerprint.ClientAddress));
        if (pass is { } passKind)
        {
            signals = signals.With(passKind == PassKind.Click ? Signal.PassHuman : Signal.PassScript);
        }

        if (policy.Kind == LinkKind.Honeypot)
        {
            signals = signals.With(Signal.Honeypot);
        }

        var observation = Observe(snapshot, scorer, policy, fingerprint, signals, network?.Category == NetworkCategory.PersonRelay, requestId);
        var (verdict, remember, store) = await RecallAndScoreAsync(snapshot, scorer, observation, signals, cancellationToken).ConfigureAwait(false);
        if (verdict is null)
        {
            return null;
        }

        var mayPass = MayPass(scorer, verdict);
        var enforced = Decide(policy, verdict, fingerprint.Method, pass is not null && mayPass, oneClick);
        var action = snapshot.Mode == GatewayMode.Observe ? GuardAction.Forward : enforced;
        return new Judgement(verdict, action, enforced, remember is { HasWork: true } ? remember : null, store, observation.Prefix, mayPass);
    }

    /// <summary>
    /// An RFC 8058 one-click always goes through (the mailbox provider's servers send it, whatever they score), and so does
    /// a pass the client may use (<paramref name="passed"/>: <see cref="MayPass"/>). Honeypots get the neutral page. On unsubscribe and
    /// confirm routes, only a GET or HEAD that scores human goes through (none, with Shield: always), and none while the
    /// verdict is stateless (the store unreachable: a scanner that only memory knew would score human and confirm); elsewhere
    /// the route's OnSuspect / OnBot decide.
    /// </summary>
    /// <param name="passed">The request carries a pass, and the client may use it.</param>
    public static GuardAction Decide(RoutePolicy policy, Verdict verdict, string method, bool passed, bool oneClick)
    {
        if (policy.Kind == LinkKind.Honeypot)
        {
            return GuardAction.NeutralPage;
        }

        if (oneClick || passed)
        {
            return GuardAction.Forward;
        }

        if (policy.IsShielded && (policy.Shield == ShieldMode.Always || verdict.IsDegraded || !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method))))
        {
            return GuardAction.Interstitial;
        }

        return policy.ActionFor(verdict.Kind);
    }

    /// <summary>
    /// Whether a client may get through a shielded link by a pass at all: not while what its request shows by itself scores
    /// "bot" (a scanner's network, a deny-listed one, an HTTP library posting a scraped token): a pass shows a person pressed
    /// the button, not that this client is that person. Neither what was learnt from other requests (a tag on the address
    /// and browser it shares with colleagues) nor behaviour counted across requests (colleagues behind one address
    /// unsubscribing from the same newsletter make a fan-out) counts here: a person must always be able to unsubscribe,
    /// and the pass itself needs a pressed button after a person's reading time. Nor does a link previewer's network: the
    /// lists of Meta and X are their whole networks, offices included, and previewers fetch links, they do not press
    /// buttons (signatures.md). The one rule, for passes and answers.
    /// </summary>
    public static bool MayPass(VerdictScorer scorer, Verdict verdict) =>
        scorer.ScoreOf(verdict.Signals.Intersect(_shownByTheRequest)) < scorer.Policy.BotThreshold;

    private static readonly SignalSet _shownByTheRequest =
        SignalCatalog.Intrinsic.Union(SignalCatalog.Claims).Union(SignalCatalog.Verified).Without(Signal.NetPreviewer);

    /// <summary>Writes what the verdict revealed; failures are logged, never thrown: the request has its answer.</summary>
    public async Task RememberAsync(MemoryRemember remember)
    {
        try
        {
            await memory.RememberAsync(remember, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RememberFailed(logger, memory.Name, e.GetType().Name, e.Message);
        }
    }

    private static MemoryObservation Observe(GuardSnapshot snapshot, VerdictScorer scorer, RoutePolicy policy, RequestFingerprint fingerprint, SignalSet signals,
        bool personRelay, string requestId)
    {
        var statelessScore = scorer.ScoreOf(Rememberable(signals));
        var newTag = statelessScore >= scorer.Policy.BotThreshold ? new AddressTag(statelessScore, scorer.ReasonsOf(signals), fingerprint.ReceivedAt) : null;
        var prefix = NetworkPrefix.Of(fingerprint.ClientAddress);
        // Through a relay, a browser's shape is thousands of people's: it is never tagged there.
        var shapeTag = signals.Intersect(SignalCatalog.SoftwareEvident).IsEmpty && !personRelay ? newTag : null;
        return new MemoryObservation(fingerprint.ReceivedAt, requestId, policy.Kind, fingerprint.ClientAddress, prefix,
            fingerprint.Identity, ClientShape.Key(fingerprint, prefix), newTag, shapeTag, policy.Kind == LinkKind.Honeypot, snapshot.TagTtl, snapshot.Behaviour,
            personRelay);
    }

    /// <summary>
    /// The one store round trip: what the memory knew adds the behavioural signals. When the verdict is
    /// "bot" and behaviour (not the request alone) made it so, says what to tag afterwards.
    /// </summary>
    private async Task<(Verdict? Verdict, MemoryRemember? Remember, StoreOutcome Store)> RecallAndScoreAsync(GuardSnapshot snapshot, VerdictScorer scorer,
        MemoryObservation observation, SignalSet signals, CancellationToken cancellationToken)
    {
        if (circuit.IsOpen)
        {
            backlog.Add(observation); // the memory still learns of it, once the store is back
            return (scorer.Score(signals, StoreUnavailable), null, default);
        }

        var started = time.GetTimestamp();
        var observing = memory.ObserveAsync(observation, CancellationToken.None).AsTask();
        MemoryRecall recall;
        try
        {
            // Waits as long as the store answers — the probe says so — however long this gateway's own queue makes it; stops
            // the moment the circuit opens, and at the latest after MaxWait. Past the budget it asks the probe to look now.
            try
            {
                recall = await observing.WaitAsync(snapshot.StoreBudget, time, circuit.Opened).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!observing.IsCompleted)
            {
                circuit.Suspect();
                var rest = snapshot.StoreWait - snapshot.StoreBudget;
                recall = await observing.WaitAsync(rest > TimeSpan.Zero ? rest : TimeSpan.Zero, time, circuit.Opened).ConfigureAwait(false);
            }
        }
        catch (Exception) when (observing.IsCompletedSuccessfully)
        {
            recall = observing.Result; // the answer was there; only this request's continuation was late
        }
        catch (Exception e)
        {
            if (observing.IsFaulted && circuit.ConnectionFailed(observing.Exception.InnerException?.Message ?? e.Message))
            {
                Log.StoreUnavailable(logger, memory.Name, e.GetType().Name, e.Message);
            }

            // The round trip is left to finish on its own; if it fails, its observation waits in the backlog.
            _ = observing.ContinueWith(static (task, state) =>
            {
                var (backlog, observation) = ((ObservationBacklog, MemoryObservation))state!;
                if (!task.IsCompletedSuccessfully)
                {
                    backlog.Add(observation);
                }
            }, (backlog, observation), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return (scorer.Score(signals, StoreUnavailable), null, default);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return (null, null, default); // the client left: cancellation is an outcome, not an error
        }

        var elapsed = time.GetElapsedTime(started);
        if (recall.FirstSeen is { } firstSeen && observation.Identity.MessageId is { } message)
        {
            // This node had not seen the message yet: the store's first sighting is its send time from now on. The request
            // that made the first sighting has nothing before it, so it is never fast.
            _firstSeen.Add(message, firstSeen, observation.TagTtl);
            if (firstSeen.ToUnixTimeMilliseconds() < observation.Now.ToUnixTimeMilliseconds()) // the store keeps milliseconds
            {
                signals = signals.Union(snapshot.Detector.Timing(observation.Now, firstSeen));
            }
        }

        var verdict = scorer.Score(signals.Union(BehaviourSignals.Evaluate(recall.Facts, snapshot.Behaviour, signals)));
        // A burst of tracking URLs that named no recipient is counted at a shared address at any time: it may make this click
        // a bot, but it never tags the address or the browser for the people behind it.
        var evidence = observation.Identity.LinkIsUrl ? verdict.Signals.Without(Signal.BurstLinks) : verdict.Signals;
        var revealed = verdict.Kind == VerdictKind.Bot && observation.NewTag is null
            && scorer.ScoreOf(Rememberable(evidence)) >= scorer.Policy.BotThreshold;
        var remember = new MemoryRemember(
            observation,
            new AddressTag(verdict.Score, verdict.Reasons, observation.Now),
            TagAddress: revealed && observation.ClientAddress is not null && !recall.Facts.AddressTagged,
            TagShape: revealed && !recall.Facts.ShapeTagged && !observation.PersonRelay,
            recall.FoldBack);
        var taggedNow = observation.NewTag is not null; // the round trip itself tagged what was not tagged yet
        var store = new StoreOutcome(elapsed,
            TaggedAddress: remember.TagAddress || (taggedNow && observation.ClientAddress is not null && !recall.Facts.AddressTagged),
            TaggedShape: remember.TagShape || (taggedNow && observation.ShapeKey is not null && !recall.Facts.ShapeTagged));
        return (verdict, remember, store);
    }

    /// <summary>
    /// The evidence worth remembering as a tag: what this client showed or did. Not what was learnt from others (a tag
    /// carried over, a honeypot someone else hit), so no third party can get a person tagged; and not an operator's deny
    /// list, which says it on every request already, and whose removal must undo it entirely, leaving no tags behind. Nor
    /// a link previewer's network, which says it on every request too and is a platform's whole network, offices included:
    /// a tag from a person's own view of the page there made the pass that followed a bot's for the origin.
    /// </summary>
    private static SignalSet Rememberable(SignalSet signals) => signals.Without(Signal.NetDeny).Without(Signal.NetPreviewer).Except(SignalCatalog.Inherited);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The {Store} store failed a round trip ({ErrorType}: {ErrorMessage}); answering from stateless signals until its probe succeeds")]
        public static partial void StoreUnavailable(ILogger logger, string store, string errorType, string errorMessage);

        [LoggerMessage(2, LogLevel.Warning, "The {Store} store did not take a new tag or fold-back event ({ErrorType}: {ErrorMessage})")]
        public static partial void RememberFailed(ILogger logger, string store, string errorType, string errorMessage);
    }
}
