namespace LinkGateway.Networks;

/// <summary>
/// Keeps this node's <see cref="OperatorNetworks"/> in step with the store: loads at start, reloads when any node
/// announces a change, and every <see cref="RefreshEvery"/> in case an announcement was missed (pub/sub does not
/// replay messages sent while a node was disconnected).
/// </summary>
public sealed partial class OperatorNetworksSync(IOperatorNetworkStore store, OperatorNetworks networks, ILogger<OperatorNetworksSync> logger)
    : BackgroundService
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _reload = new(0, 1);

    /// <summary>Reads the lists now; a failure keeps the lists in force and is logged.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            networks.Replace(await store.ReadAllAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ReloadFailed(logger, e.GetType().Name, e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await store.SubscribeAsync(Announce, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ReloadFailed(logger, e.GetType().Name, e.Message); // the periodic refresh still runs
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await ReloadAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await _reload.WaitAsync(RefreshEvery, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _reload.Dispose();
        base.Dispose();
    }

    private void Announce()
    {
        try
        {
            _reload.Release();
        }
        catch (SemaphoreFullException)
        {
            // a reload is already due
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The runtime allow/deny networks could not be read ({ErrorType}: {ErrorMessage}); the lists in force stay")]
        public static partial void ReloadFailed(ILogger logger, string errorType, string errorMessage);
    }
}
