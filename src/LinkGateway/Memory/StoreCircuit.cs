namespace LinkGateway.Memory;

/// <summary>
/// A small circuit breaker in front of the store: after a run of failures, requests stop asking it for
/// a while and answer statelessly at once, instead of each waiting out its budget; then they try
/// again, and the first success closes it. Readiness reports an open circuit.
/// </summary>
public sealed class StoreCircuit(TimeProvider time, int failuresToOpen = 3, TimeSpan? openFor = null)
{
    private readonly TimeSpan _openFor = openFor ?? TimeSpan.FromSeconds(5);
    private int _failures;
    private long _openUntilTicks;

    /// <summary>True while requests should not ask the store.</summary>
    public bool IsOpen => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _openUntilTicks);

    public void Success()
    {
        Interlocked.Exchange(ref _failures, 0);
        Interlocked.Exchange(ref _openUntilTicks, 0);
    }

    public void Failure()
    {
        if (Interlocked.Increment(ref _failures) >= failuresToOpen)
        {
            Interlocked.Exchange(ref _openUntilTicks, (time.GetUtcNow() + _openFor).UtcTicks);
            Interlocked.Exchange(ref _failures, 0);
        }
    }
}
