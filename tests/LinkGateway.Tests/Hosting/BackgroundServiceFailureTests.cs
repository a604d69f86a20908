using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace LinkGateway.Hosting;

/// <summary>
/// A background service that throws stops the host (the runtime's default). The gateway names that service and its
/// error: while starting, instead of the "A task was canceled" Kestrel's interrupted start reports (which named the
/// listen setting); once running, with a non-zero exit, so that a supervisor restarts it.
/// </summary>
public sealed class BackgroundServiceFailureTests
{
    [Fact]
    public async Task AServiceFailingWhileKestrelStarts_IsNamedWithItsError_NotTheListenSetting()
    {
        await using var app = App(fails: Task.CompletedTask, holdStart: true);

        var error = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayProgram.ListenAsync(app, "--urls"));

        Assert.Equal("start-up failed: FailingService failed: InvalidOperationException: the key ring is not usable", Assert.Single(error.Errors));
    }

    [Fact]
    public async Task AServiceFailingOnceRunning_StopsTheHost_AndIsNamed()
    {
        var fail = new TaskCompletionSource();
        await using var app = App(fail.Task, holdStart: false);
        await GatewayProgram.ListenAsync(app, "--urls");
        Assert.Null(GatewayProgram.FailedBackgroundService(app.Services));

        fail.SetResult();
        await app.WaitForShutdownAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("FailingService failed: InvalidOperationException: the key ring is not usable", GatewayProgram.FailedBackgroundService(app.Services));
    }

    private static WebApplication App(Task fails, bool holdStart)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(new FailingService(fails));
        builder.Services.AddHostedService(s => s.GetRequiredService<FailingService>());
        if (holdStart)
        {
            builder.Services.AddHostedService<StartHeldUntilStopping>();
        }

        return builder.Build();
    }

    private sealed class FailingService(Task fails) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await fails.WaitAsync(stoppingToken);
            throw new InvalidOperationException("the key ring is not usable");
        }
    }

    // Holds the host's start until the failure has stopped it, as a key ring read that takes a moment did.
    private sealed class StartHeldUntilStopping(IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
