using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Hosting;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Networks;
using LinkGateway.Scoring;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinkGateway.Evaluation;

/// <summary>What the gateway would have done with one replayed request, and the link identity it read from the URL.</summary>
public sealed record ReplayOutcome(ReplayRequest Request, LinkKind Kind, Verdict Verdict, GuardAction Action, LinkIdentity Identity);

/// <summary>
/// Replays access-log requests through the gateway's own judgement (<see cref="LinkGuard"/>, the same
/// signatures, routes, weights and behaviour), offline, with an in-process store whose clock is the
/// log's own timestamps. Logs record no cookies and no bodies: there are no interstitial passes, and a
/// POST to an unsubscribe route is taken for an RFC 8058 one-click.
/// </summary>
public sealed class LogReplay : IDisposable
{
    private readonly LinkGuard _guard;
    private readonly InProcessGatewayMemory _memory;
    private readonly RouteTable _routes;
    private readonly ReplayClock _clock = new();

    public LogReplay(IConfiguration configuration, string configDirectory)
    {
        var config = GatewayConfigValidator.Validate(configuration, configDirectory);
        var snapshots = new GuardSnapshotHolder(config.Snapshot);
        _memory = new InProcessGatewayMemory(new MemoryKeys(config.Options.Redis.KeyPrefix), _clock, config.Options.Memory.InProcessMaxBytes);
        // The in-process store answers synchronously: no circuit can open on it, and nothing waits in a backlog.
        var circuit = StoreCircuit.AlwaysClosed(_clock);
        var backlog = new ObservationBacklog(_memory, circuit, config.Options.Redis, NullLogger<ObservationBacklog>.Instance);
        _guard = new LinkGuard(snapshots, _memory, circuit, backlog, new OperatorNetworks(), _clock, NullLogger<LinkGuard>.Instance);
        _routes = new RouteTable(configuration);
    }

    public GuardSnapshot Snapshot => _guard.Snapshot;

    /// <summary>The outcome, or null when no route matches the request's path.</summary>
    public async Task<ReplayOutcome?> ReplayAsync(ReplayRequest request)
    {
        var split = request.Target.IndexOf('?');
        var path = split < 0 ? request.Target : request.Target[..split];
        if (_routes.Match(path) is not var (policy, values))
        {
            return null;
        }

        var query = split < 0 ? null : QueryHelpers.ParseQuery(request.Target[split..]);
        _clock.MoveTo(request.Time);
        var fingerprint = new RequestFingerprint
        {
            Method = request.Method,
            Kind = policy.Kind,
            UserAgent = request.UserAgent,
            Accept = request.Accept,
            HasAcceptLanguage = !string.IsNullOrWhiteSpace(request.AcceptLanguage),
            HasSecFetch = request.SecFetchMode is not null,
            RequestedWith = request.RequestedWith,
            IsSecureContext = request.Https,
            HeadersUnknown = !request.HeadersKnown,
            ClientAddress = request.ClientAddress,
            Identity = _guard.Snapshot.Identities.For(policy).Read(policy.Kind, request.Target, name =>
                values.TryGetValue(name, out var value) && value is not null ? value.ToString()
                : query is not null && query.TryGetValue(name, out var q) ? q.ToString() : null),
            ReceivedAt = _clock.GetUtcNow(),
        };
        var oneClick = policy.Kind == LinkKind.Unsubscribe && HttpMethods.IsPost(request.Method);
        var judgement = (await _guard.JudgeAsync(policy, fingerprint, pass: null, oneClick, $"line-{request.Line}", CancellationToken.None).ConfigureAwait(false))!;
        if (judgement.Remember is { } remember)
        {
            await _guard.RememberAsync(remember).ConfigureAwait(false);
        }

        return new ReplayOutcome(request, policy.Kind, judgement.Verdict, judgement.EnforcedAction, fingerprint.Identity);
    }

    public void Dispose() => _memory.Dispose();
}
