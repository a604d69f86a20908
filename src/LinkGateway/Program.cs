using LinkGateway.Evaluation;
using LinkGateway.Hosting;
using LinkGateway.NetworkFeeds;

// The gateway itself and three commands: `healthcheck` (GETs the gateway's /healthz: the container's HEALTHCHECK),
// `evaluate` (replays an access log through the same judgement) and `refresh-networks` (rewrites the network lists from
// their providers' feeds). A usage or configuration error ends any of them with one line per problem and exit code 2.
return await GatewayConfigurationException.ReportAsync(
    () => args switch
    {
        ["healthcheck", .. var rest] => HealthCheckCommand.RunAsync(rest, Console.Out, Console.Error),
        ["evaluate", .. var rest] => EvaluateCommand.RunAsync(rest, Console.Out, Console.Error),
        ["refresh-networks", .. var rest] => RefreshNetworksCommand.RunAsync(rest, Console.Out, Console.Error),
        ["help", ..] => Print(Help()),
        _ when args.Contains("--help") || args.Contains("-h") => Print(Help()),
        _ when args.Contains("--version") => Print(GatewayUsage.Version),
        _ => GatewayProgram.RunAsync(args),
    },
    Console.Error);

static string Help() => GatewayUsage.Text(HealthCheckCommand.Usage, EvaluateCommand.Usage, RefreshNetworksCommand.Usage);

static async Task<int> Print(string text)
{
    await Console.Out.WriteLineAsync(text);
    return 0;
}
