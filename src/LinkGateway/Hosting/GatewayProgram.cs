using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;

namespace LinkGateway.Hosting;

/// <summary>The gateway command: parse switches, start the gateway (and in --demo the origin) and its admin port, run until stopped.</summary>
public static class GatewayProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication? origin = null;
        try
        {
            var launch = GatewayLaunch.Parse(args);
            Dictionary<string, string?>? overrides = null;
            if (launch.Demo)
            {
                (origin, overrides) = await DemoMode.StartOriginAsync(launch);
            }

            var app = Starting(() => GatewayApp.Build(launch, overrides));
            await using var stop = new BoundedStop(app);
            await ListenAsync(app, "--urls, ASPNETCORE_URLS or Kestrel:Endpoints");
            var admin = app.Services.GetRequiredService<LinkGatewayOptions>().Admin;
            await using var adminApp = admin.Enabled ? Admin.AdminApp.Build(app.Services, admin) : null;
            if (adminApp is not null)
            {
                await ListenAsync(adminApp, "LinkGateway:Admin:Urls");
            }

            StartupSummary.Write(app, adminApp);
            if (launch.Demo)
            {
                DemoMode.PrintWelcome(app, overrides!);
            }

            await app.WaitForShutdownAsync();
            if (FailedBackgroundService(app.Services) is { } failed)
            {
                // A background service that fails stops the host (the runtime's default): the gateway has not been
                // stopped by an operator, so it must not exit 0, or a supervisor that restarts on failure would not.
                await Console.Error.WriteLineAsync($"error: the gateway stopped because {failed}");
                return 1;
            }

            return 0;
        }
        finally
        {
            if (origin is not null)
            {
                await origin.DisposeAsync();
            }
        }
    }

    /// <summary>How long a stopped gateway waits to write out its log's queue before it exits anyway.</summary>
    internal static readonly TimeSpan LogFlushLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Disposes the gateway, which writes out its log's queue (up to <see cref="Observability.LogQueue.Capacity"/> lines,
    /// well under a second to a stdout that is read). A log that cannot be written, stdout a pipe nobody drains, kept a
    /// stopped gateway from exiting until it was killed (2026-11-30: still running 30 s after SIGTERM, where a container
    /// runtime waits 10 s and Kubernetes 30); after <see cref="LogFlushLimit"/> it exits, and the lines still queued are
    /// lost, as they would be to the kill.
    /// </summary>
    private sealed class BoundedStop(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // On a thread of its own: the host disposes the logger synchronously, blocked for as long as the sink is.
                await Task.Run(() => app.DisposeAsync().AsTask()).WaitAsync(LogFlushLimit);
            }
            catch (TimeoutException)
            {
                // Nothing is written about it: stderr is most often the same stalled reader's.
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A sink that cannot write out its last lines (a File sink on a full disk flushes as it closes): they are
                // lost, and the stop goes on; the exception escaped with its stack trace before (2026-11-30).
            }
        }
    }

    /// <summary>
    /// Starts a host. A port already taken, an address this machine does not have or a port it may not open is the
    /// operator's to change, so it is one line naming the setting, not a stack trace.
    /// </summary>
    internal static async Task ListenAsync(WebApplication app, string setting)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (e is not GatewayConfigurationException)
        {
            // A background service that fails while the host starts stops it, and Kestrel's start then reports only that
            // it was cancelled: the service's failure is the cause. Kestrel reads its endpoints' certificates as it
            // starts: a missing or unreadable one is the setting's problem too.
            throw new GatewayConfigurationException([FailedBackgroundService(app.Services) is { } failed ? $"start-up failed: {failed}"
                : ListenFailure(e) is { } problem ? $"{setting}: {problem}"
                : e.StackTrace?.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true ? $"{setting}: {OneLine(e.Message)}"
                : StartFailure(e)]);
        }
    }

    /// <summary>The first of the host's background services that ended with an exception, named with it; null when none did.</summary>
    internal static string? FailedBackgroundService(IServiceProvider services) => services.GetServices<IHostedService>()
        .OfType<BackgroundService>()
        .Select(s => (Service: s.GetType().Name, Error: s.ExecuteTask?.Exception?.GetBaseException()))
        .Where(f => f.Error is not null)
        .Select(f => $"{f.Service} failed: {f.Error!.GetType().Name}: {OneLine(f.Error.Message)}")
        .FirstOrDefault();

    /// <summary>
    /// Builds the gateway. Anything that stops it before it runs is a start-up error: one line and exit code 2 (an operator
    /// and a supervisor act on that alike), never an unhandled exception's stack trace and abort.
    /// </summary>
    private static WebApplication Starting(Func<WebApplication> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is not GatewayConfigurationException)
        {
            throw new GatewayConfigurationException([StartFailure(e)]);
        }
    }

    private static string StartFailure(Exception e) => $"start-up failed: {e.GetType().Name}: {OneLine(e.Message)}";

    /// <summary>A message of several lines as one: start-up errors are one line each.</summary>
    internal static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>What went wrong when Kestrel could not open a listen address, in the operator's words; null for any other failure.</summary>
    internal static string? ListenFailure(Exception e) => e switch
    {
        IOException { InnerException: AddressInUseException } => (Regex.Match(e.Message, "address (?<address>\\S+?):? address already in use") is { Success: true } match
            ? match.Groups["address"].Value
            : e.Message) + " is already in use by another process (stop it, or choose another port there)",
        SocketException socket => $"cannot listen there: {socket.Message} (is the address one of this machine's, and the port one this user may open?)",
        IOException { InnerException: SocketException socket } => $"cannot listen there: {socket.Message} ({e.Message})",
        _ => null,
    };
}
