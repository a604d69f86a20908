namespace LinkGateway.Memory;

/// <summary>
/// Whether requests ask the store, decided by evidence about the store itself: the probe's questions (<see cref="RedisProbe"/>),
/// answered within the budget or not, and round trips that failed at the connection. A request that merely waited long
/// — the gateway's own queue on a busy CPU — is no evidence and never opens it. While open, requests answer statelessly
/// at once (their observations wait in the <see cref="ObservationBacklog"/>); the first good probe closes it.
/// </summary>
public sealed class StoreCircuit
{
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _lookNow = new(false);
    private readonly TimeProvider _time;
    private readonly int _failuresToOpen;
    private CancellationTokenSource _opened = new();
    private TaskCompletionSource _closed = NewClosed(completed: true);
    private volatile bool _isOpen;
    private int _failuresInARow;
    private long _probes;
    private long _probeFailures;
    private long _timesOpened;
    private long _budgetExceeded;
    private long _lateAnswers;
    private double _lastRoundTripMs = double.NaN;
    private DateTimeOffset? _lastAnsweredAt;
    private DateTimeOffset? _openSince;
    private string? _lastProblem;

    /// <param name="failuresToOpen">Failed probes in a row that open the circuit (LinkGateway:Redis:CircuitFailures).</param>
    public StoreCircuit(TimeProvider time, int failuresToOpen = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failuresToOpen, 1);
        _time = time;
        _failuresToOpen = failuresToOpen;
    }

    /// <summary>A circuit that never opens: the in-process store, and offline replays.</summary>
    public static StoreCircuit AlwaysClosed(TimeProvider time) => new(time, int.MaxValue);

    /// <summary>True while requests should not ask the store.</summary>
    public bool IsOpen => _isOpen;

    /// <summary>Cancelled the moment the circuit opens: a request waiting for the store stops waiting.</summary>
    public CancellationToken Opened
    {
        get
        {
            lock (_gate)
            {
                return _opened.Token;
            }
        }
    }

    /// <summary>Completes when the circuit is (or becomes) closed.</summary>
    public Task Closed
    {
        get
        {
            lock (_gate)
            {
                return _closed.Task;
            }
        }
    }

    /// <returns>True when this closed the circuit.</returns>
    /// <summary>Set when a request has waited the budget for its round trip: the probe looks at Redis now, not at its next turn.</summary>
    public WaitHandle LookNow => _lookNow;

    /// <summary>
    /// A request waited the budget and its round trip has not come back: maybe Redis is slow, maybe this gateway's own queue
    /// is long. The probe tells them apart; this only asks it to look now.
    /// </summary>
    public void Suspect()
    {
        Interlocked.Increment(ref _budgetExceeded);
        _lookNow.Set();
    }

    /// <param name="late">Redis answered past the budget while it answered requests: busy, not stalled.</param>
    /// <returns>True when this closed the circuit.</returns>
    public bool ProbeSucceeded(TimeSpan roundTrip, bool late = false)
    {
        lock (_gate)
        {
            _probes++;
            _lateAnswers += late ? 1 : 0;
            _lastRoundTripMs = roundTrip.TotalMilliseconds;
            _lastAnsweredAt = _time.GetUtcNow();
            _failuresInARow = 0;
            if (!_isOpen)
            {
                return false;
            }

            _isOpen = false;
            _openSince = null;
            _opened.Dispose();
            _opened = new CancellationTokenSource();
            _closed.TrySetResult();
            return true;
        }
    }

    /// <returns>True when this opened the circuit.</returns>
    public bool ProbeFailed(string problem)
    {
        CancellationTokenSource? cancel;
        lock (_gate)
        {
            _probes++;
            _probeFailures++;
            _lastProblem = problem;
            cancel = ++_failuresInARow >= _failuresToOpen ? OpenLocked() : null;
        }

        cancel?.Cancel(); // outside the lock: waiting requests continue on this thread
        return cancel is not null;
    }

    /// <summary>A request's round trip failed (Redis refused, reset or unreachable): no need to wait for a probe.</summary>
    /// <returns>True when this opened the circuit.</returns>
    public bool ConnectionFailed(string problem)
    {
        CancellationTokenSource? cancel;
        lock (_gate)
        {
            _lastProblem = problem;
            cancel = OpenLocked();
        }

        cancel?.Cancel();
        return cancel is not null;
    }

    public StoreCircuitState State()
    {
        lock (_gate)
        {
            return new StoreCircuitState(_isOpen, _openSince, double.IsNaN(_lastRoundTripMs) ? null : TimeSpan.FromMilliseconds(_lastRoundTripMs),
                _lastAnsweredAt, _probes, _probeFailures, _lateAnswers, _timesOpened, Interlocked.Read(ref _budgetExceeded), _lastProblem);
        }
    }

    private CancellationTokenSource? OpenLocked()
    {
        if (_isOpen)
        {
            return null;
        }

        _isOpen = true;
        _timesOpened++;
        _openSince = _time.GetUtcNow();
        _closed = NewClosed(completed: false);
        return _opened;
    }

    private static TaskCompletionSource NewClosed(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }
}

/// <summary>What readiness and the dashboard show of the store.</summary>
/// <param name="LastRoundTrip">How long the last answered probe took; null before the first, or with no probe (in-process store).</param>
/// <param name="LastAnsweredAt">When the store last answered the probe.</param>
/// <param name="LateAnswers">Probes Redis answered past the budget while it answered requests (busy, not stalled: they count as answered).</param>
/// <param name="BudgetExceeded">Requests whose round trip took longer than the budget (each woke the probe; most are the gateway's own queue).</param>
public sealed record StoreCircuitState(bool IsOpen, DateTimeOffset? OpenSince, TimeSpan? LastRoundTrip, DateTimeOffset? LastAnsweredAt, long Probes,
    long ProbeFailures, long LateAnswers, long TimesOpened, long BudgetExceeded, string? LastProblem);
