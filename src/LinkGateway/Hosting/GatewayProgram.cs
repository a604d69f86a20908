namespace LinkGateway.Hosting;

/// <summary>The process entry: parse switches, start the gateway (and in --demo the origin), print config errors plainly.</summary>
public static class GatewayProgram
{
    public const int ConfigErrorExitCode = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication? origin = null;
        try
        {
            if (args is ["evaluate", ..])
            {
                return await Evaluation.EvaluateCommand.RunAsync(args[1..], Console.Out, Console.Error);
            }

            var launch = GatewayLaunch.Parse(args);
            Dictionary<string, string?>? overrides = null;
            if (launch.Demo)
            {
                (origin, overrides) = await DemoMode.StartOriginAsync(launch);
            }

            await using var app = GatewayApp.Build(launch, overrides);
            await app.StartAsync();
            var admin = app.Services.GetRequiredService<LinkGatewayOptions>().Admin;
            await using var adminApp = admin.Enabled ? Admin.AdminApp.Build(app.Services, admin) : null;
            if (adminApp is not null)
            {
                await adminApp.StartAsync();
            }

            if (launch.Demo)
            {
                DemoMode.PrintWelcome(app, overrides!);
            }

            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (GatewayConfigurationException e)
        {
            foreach (var error in e.Errors)
            {
                await Console.Error.WriteLineAsync($"config error: {error}");
            }

            return ConfigErrorExitCode;
        }
        finally
        {
            if (origin is not null)
            {
                await origin.DisposeAsync();
            }
        }
    }
}
