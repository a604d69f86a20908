namespace LinkGateway.Infrastructure;

/// <summary>
/// Something that grows (log events, output lines) says so here, and a test waits on it for what it expects instead of
/// sleeping: each change is the signal to look again.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Changed() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Waits until <paramref name="found"/> gives a value, looking again after each change, up to <paramref name="timeout"/>
    /// (10 seconds unless given); then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<T?> found, TimeSpan? timeout = null)
        where T : class
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var next = Volatile.Read(ref _next).Task; // before looking: a change after the look still wakes the wait
            if (found() is { } value)
            {
                return value;
            }

            await next.WaitAsync(cancel.Token);
        }
    }
}
