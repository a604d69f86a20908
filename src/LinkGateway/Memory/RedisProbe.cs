using System.Diagnostics;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// Asks every Redis master "are you there?" every <see cref="LinkGateway.Memory.RedisOptions.ProbeInterval"/> on a thread of its own
/// (<see cref="RedisPing"/>), and tells the <see cref="StoreCircuit"/>: an answer within the budget is a success,
/// anything else a failure. This is what "the store is slow" means to the gateway — Redis not answering in time — however
/// busy the gateway's own CPU is. A Redis that answers late while it goes on answering the gateway's requests
/// (<see cref="StoreAnswers"/>) is busy, not stalled: its queue holds the gateway's own scripts, or its core is shared with
/// a saturated gateway. The probe then waits for its answer as long as a request would (MaxWait): opening the circuit would
/// shed load, but make every verdict stateless when a saturated gateway (a wave of scanners) most needs remembering.
/// </summary>
internal sealed partial class RedisProbe(IConnectionMultiplexer redis, ConfigurationOptions options, StoreCircuit circuit, StoreAnswers answers,
    LinkGateway.Memory.RedisOptions settings, ILogger<RedisProbe> logger) : IHostedService, IDisposable
{
    // How often a master's INFO (hz, memory limit) is asked at most: a timeout is worth asking again, a few times; an answer ends the asking.
    private const int ServerFactsAsks = 3;
    // Every this many answered probes of a master that answers no request meanwhile, it is asked again whether it is still
    // one (INFO's role): a failover can leave the address the gateway knows on a replica, which answers "return 1" and
    // refuses every script (so answers none of the gateway's requests).
    private const int RoleCheckEvery = 10;
    private readonly Dictionary<string, Master> _masters = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Thread? _thread;
    private DateTimeOffset _lastLogged;
    private DateTimeOffset _lastLoggedLate;
    private int _rounds;
    private int _disposed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "LinkGateway store probe", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _stopping.Cancel();
        }

        return Task.CompletedTask;
    }

    // The container may dispose it twice (as itself and as the hosted service it also is): idempotent.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        // The probe's sockets and stop token are its own until it has stopped. Its waits look at the token every 100 ms, but
        // a read under way ends only at its deadline: a thread still running keeps them (it is a background thread, and
        // the process is ending), rather than meet them disposed under it.
        if (_thread is { } thread && !thread.Join(TimeSpan.FromSeconds(2)))
        {
            return;
        }

        foreach (var master in _masters.Values)
        {
            master.Ping.Dispose();
        }

        _stopping.Dispose();
    }

    private void Run()
    {
        var stopping = _stopping.Token;
        WaitHandle[] wake = [stopping.WaitHandle, circuit.LookNow];
        while (!stopping.IsCancellationRequested)
        {
            // After a failure the next probe goes at once, and a request that has waited the budget wakes the probe early
            // (at most once per budget): a stalled Redis opens the circuit within a few budgets of the stall.
            if (ProbeOnceOrFail() || circuit.IsOpen)
            {
                var pause = settings.Budget < settings.ProbeInterval ? settings.Budget : settings.ProbeInterval;
                stopping.WaitHandle.WaitOne(pause);
                WaitHandle.WaitAny(wake, settings.ProbeInterval - pause);
            }
        }
    }

    // This thread must outlive any surprise (an exception on it ends the process): one is a failed probe.
    private bool ProbeOnceOrFail()
    {
        try
        {
            return ProbeOnce();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failed($"the probe itself failed: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <returns>True when every master answered in time.</returns>
    private bool ProbeOnce()
    {
        // Redis answering the probe is not enough when the gateway's own connection to it is down (reconnecting after a
        // restart): requests would fail at once, so the circuit stays open until both hold.
        var disconnected = !redis.IsConnected;
        string? problem = null;
        var slowest = TimeSpan.Zero;
        // However many masters are busy, one round waits for them MaxWait at most beyond its budgets: a stall of another
        // master is found in the next round, not after each busy one's full wait.
        var patienceEnds = Stopwatch.GetTimestamp() + (long)(settings.MaxWait.TotalSeconds * Stopwatch.Frequency);
        TimeSpan PatienceLeft(TimeSpan most) => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), patienceEnds) is var left && left < most ? left : most;
        // Each round starts at another master: a busy one first in every round would leave the others none of its patience.
        var masters = Masters().ToList();
        var first = masters.Count > 0 ? (int)(unchecked((uint)_rounds++) % (uint)masters.Count) : 0;
        foreach (var (endpoint, slots) in masters.Skip(first).Concat(masters.Take(first)))
        {
            if (_stopping.IsCancellationRequested)
            {
                return true; // stopping: no verdict to give
            }

            var key = endpoint.ToString() ?? string.Empty;
            if (!_masters.TryGetValue(key, out var master))
            {
                _masters[key] = master = new Master(new RedisPing(endpoint, options));
            }

            var ping = master.Ping;
            var answeredBefore = answers.Count(slots);
            // Busy: answering requests since this master was last looked at (a new connection is judged by that, before
            // it can see anything), or since this question was sent (the question's own wait).
            var answeredLately = answeredBefore != master.AnsweredAtLastLook;
            master.AnsweredAtLastLook = answeredBefore;
            bool AnsweringRequests() => answers.Count(slots) != answeredBefore;
            var patience = new RedisPing.Patience(answeredLately ? PatienceLeft(settings.MaxWait) : settings.Budget,
                () => AnsweringRequests() ? PatienceLeft(settings.MaxWait - settings.Budget) : TimeSpan.Zero);

            var (roundTrip, failure) = ping.Ping(settings.Budget, patience, _stopping.Token);
            if (_stopping.IsCancellationRequested)
            {
                return true; // a wait cut short by the stop is no verdict on Redis
            }

            if (roundTrip is not { } took)
            {
                problem ??= failure;
            }
            else if (took > settings.Budget && !AnsweringRequests())
            {
                problem ??= $"{RedisPing.Format(endpoint)} answered in {took.TotalMilliseconds:0.0} ms, over the budget of {settings.Budget.TotalMilliseconds:0} ms";
            }
            else
            {
                slowest = took > slowest ? took : slowest;
                if (took > settings.Budget && DateTimeOffset.UtcNow - _lastLoggedLate > TimeSpan.FromSeconds(10))
                {
                    _lastLoggedLate = DateTimeOffset.UtcNow;
                    Log.AnsweredLateWhileBusy(logger, RedisPing.Format(endpoint), took.TotalMilliseconds, settings.Budget.TotalMilliseconds);
                }

                if (master.ServerFactsAsked < ServerFactsAsks)
                {
                    master.ServerFactsAsked = SayServerFacts(ping, master) ? ServerFactsAsks : master.ServerFactsAsked + 1;
                }
                // Not while the master answers the gateway's scripts: one that does is no replica, and an INFO under load could
                // run past the budget and cost the probe its connection (a saturation test's verdicts went stateless so).
                else if (master.IsReplica || (!answeredLately && !AnsweringRequests() && ++master.AnsweredSinceRoleCheck >= RoleCheckEvery))
                {
                    master.AnsweredSinceRoleCheck = 0;
                    if (ping.ServerFacts(settings.Budget) is { Answered: true } asked)
                    {
                        master.IsReplica = SaysReplica(ping, asked.Facts);
                    }
                }

                if (master.IsReplica)
                {
                    problem ??= $"{RedisPing.Format(endpoint)} is a read-only replica (INFO role:slave, or READONLY to a script that may write), which refuses every write: a master left behind by a "
                        + "failover, or an address that now points at a replica; point LinkGateway:Redis:Configuration at the master (or list them all)";
                }
            }
        }

        if (disconnected)
        {
            // The probe connects as the gateway does (TLS, AUTH), so its own failure says why: a certificate not trusted, a
            // password refused, a port closed. "Reconnecting" alone would not tell an operator what to mend.
            const string Down = "the gateway's connection to Redis is down (reconnecting)";
            problem = problem is null ? $"{Down}, though Redis answers the probe" : $"{Down}; the probe: {problem}";
        }

        if (problem is null)
        {
            if (circuit.ProbeSucceeded(slowest, late: slowest > settings.Budget))
            {
                Log.Recovered(logger, slowest.TotalMilliseconds);
            }

            return true;
        }

        return Failed(problem);
    }

    /// <summary>Tells the circuit, and says so (at once when the circuit opens, else at most every 10 s).</summary>
    private bool Failed(string problem)
    {
        if (circuit.ProbeFailed(problem) || DateTimeOffset.UtcNow - _lastLogged > TimeSpan.FromSeconds(10))
        {
            _lastLogged = DateTimeOffset.UtcNow;
            // One slow answer does not open the circuit (a Redis expire cycle or a busy core can take 20 ms): saying
            // "stateless" then would send an operator after an outage that did not happen.
            if (circuit.IsOpen)
            {
                Log.ProbeFailed(logger, problem);
            }
            else
            {
                Log.ProbeMissed(logger, problem, settings.CircuitFailures);
            }
        }

        return false;
    }

    /// <summary>
    /// Whether INFO said the master is a replica, or, where it said no role (INFO refused to the gateway's user: ACL
    /// "-info", "-@dangerous"), whether a script that may write is refused as on a replica (Redis 7 and later).
    /// </summary>
    private bool SaysReplica(RedisPing ping, RedisServerFacts? facts) => facts is not null ? facts.IsReplica : ping.RefusesWrites(settings.Budget) == true;

    /// <summary>
    /// Says, once per master, how long Redis's passes over expired keys may hold it: up to a quarter of 1/hz (25 ms at
    /// Redis's default hz 10). Every key the gateway writes expires, so after busy hours they expire by the hundred
    /// thousand, and a pass longer than the budget delays every request and fails probes (docs/operations/deploy.md, "Redis").
    /// And what Redis does when its memory is full, when that harms the gateway: no limit at all, writes refused (Redis's
    /// own default policy, noeviction), or keys without a time to live evicted (<see cref="RedisServerFacts.MemoryProblem"/>).
    /// </summary>
    /// <returns>False when the master gave no whole answer in time (the probe asks again after a later success).</returns>
    private bool SayServerFacts(RedisPing ping, Master master)
    {
        var endpoint = RedisPing.Format(ping.EndPoint);
        var (facts, answered, problem) = ping.ServerFacts(settings.Budget);
        master.IsReplica = SaysReplica(ping, facts);
        if (facts?.MemoryProblem is { } memory)
        {
            Log.MemoryProblem(logger, endpoint, memory);
        }

        if (facts?.Hz is not { } passes)
        {
            Log.ExpiryPassesUnknown(logger, endpoint, problem ?? "no hz");
            return answered;
        }

        // Redis's slower pass over expired keys may take a quarter of its interval (1/hz) at the default active-expire-effort 1
        // (more at a higher effort, which INFO does not show).
        var pass = TimeSpan.FromMilliseconds(250.0 / passes);
        if (pass * 4 > settings.Budget)
        {
            var enough = (int)Math.Min(500, Math.Ceiling(1000 / settings.Budget.TotalMilliseconds)); // 500: Redis's highest hz
            Log.LongExpiryPasses(logger, endpoint, passes, pass.TotalMilliseconds, settings.Budget.TotalMilliseconds, Math.Max(enough, 100));
        }
        else
        {
            Log.ExpiryPasses(logger, endpoint, passes, pass.TotalMilliseconds);
        }

        return true;
    }

    /// <summary>
    /// The masters that serve data, each with its slots (null: all of them): of a cluster, those holding slots in the
    /// multiplexer's latest view (a failed master's slots move to its promoted replica); of standalone servers, the
    /// connected one that is not a replica; when none is (before the first connection, the primary down), every configured
    /// endpoint. A listed server that is down and was never reached has no known role: probing it as a master would make
    /// every verdict stateless while the primary answers.
    /// </summary>
    private IEnumerable<(System.Net.EndPoint EndPoint, IList<SlotRange>? Slots)> Masters()
    {
        var known = redis.GetEndPoints();
        foreach (var endpoint in known)
        {
            if (redis.GetServer(endpoint) is { ServerType: ServerType.Cluster, IsConnected: true, ClusterConfiguration: { } cluster })
            {
                return cluster.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0 && n.EndPoint is not null).Select(n => (n.EndPoint!, (IList<SlotRange>?)n.Slots)).ToList();
            }
        }

        IList<System.Net.EndPoint> masters = known.Where(endpoint => redis.GetServer(endpoint) is { IsConnected: true, IsReplica: false }).ToList();
        return (masters.Count > 0 ? masters : options.EndPoints).Select(endpoint => (endpoint, (IList<SlotRange>?)null));
    }

    /// <summary>A master the probe asks: its own connection, how often its INFO was asked so far, its answers when last looked at.</summary>
    private sealed class Master(RedisPing ping)
    {
        public RedisPing Ping { get; } = ping;

        public int ServerFactsAsked { get; set; }

        public int AnsweredSinceRoleCheck { get; set; }

        /// <summary>Its INFO said role:slave when last asked: every probe of it fails until it says master again.</summary>
        public bool IsReplica { get; set; }

        public long AnsweredAtLastLook { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "The store probe failed: {Problem}; verdicts are stateless until Redis answers in time again")]
        public static partial void ProbeFailed(ILogger logger, string problem);

        [LoggerMessage(32, LogLevel.Information, "The store answers again (in {RoundTripMs:0.0} ms): verdicts are stateful again")]
        public static partial void Recovered(ILogger logger, double roundTripMs);

        [LoggerMessage(33, LogLevel.Warning, "The store probe failed: {Problem}; verdicts stay stateful unless {CircuitFailures} probes in a row fail")]
        public static partial void ProbeMissed(ILogger logger, string problem, int circuitFailures);

        [LoggerMessage(34, LogLevel.Information, "Redis at {Endpoint} removes expired keys in passes {Hz} times a second, each up to {PassMs:0.0} ms (at the default active-expire-effort)")]
        public static partial void ExpiryPasses(ILogger logger, string endpoint, int hz, double passMs);

        [LoggerMessage(35, LogLevel.Warning, "Redis at {Endpoint} removes expired keys in passes {Hz} times a second (its hz), each up to {PassMs:0.0} ms when many keys expire: more than a quarter of the store budget ({BudgetMs:0} ms), which requests wait behind; set hz {EnoughHz} or more (docs/operations/deploy.md, \"Redis\")")]
        public static partial void LongExpiryPasses(ILogger logger, string endpoint, int hz, double passMs, double budgetMs, int enoughHz);

        [LoggerMessage(37, LogLevel.Information, "Redis at {Endpoint} answered the store probe in {RoundTripMs:0.0} ms, over the budget of {BudgetMs:0} ms, while it answered this gateway's requests: busy, not stalled; verdicts stay stateful and requests wait for it (up to Redis:MaxWait)")]
        public static partial void AnsweredLateWhileBusy(ILogger logger, string endpoint, double roundTripMs, double budgetMs);

        [LoggerMessage(38, LogLevel.Warning, "Redis at {Endpoint} {Problem} (docs/operations/deploy.md, \"Redis\")")]
        public static partial void MemoryProblem(ILogger logger, string endpoint, string problem);

        [LoggerMessage(36, LogLevel.Debug, "Redis at {Endpoint} did not say how often it removes expired keys: {Problem}")]
        public static partial void ExpiryPassesUnknown(ILogger logger, string endpoint, string problem);
    }
}
