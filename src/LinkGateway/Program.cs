using LinkGateway.Evaluation;
using LinkGateway.Hosting;
using LinkGateway.NetworkFeeds;

// Three commands: the gateway itself, `evaluate` (replays an access log through the same judgement) and `refresh-networks`
// (rewrites the network lists from their providers' feeds). A configuration error ends any of them with one line per problem
// and exit code 2.
return await GatewayConfigurationException.ReportAsync(
    () => args switch
    {
        ["evaluate", .. var rest] => EvaluateCommand.RunAsync(rest, Console.Out, Console.Error),
        ["refresh-networks", .. var rest] => RefreshNetworksCommand.RunAsync(rest, Console.Out, Console.Error),
        _ => GatewayProgram.RunAsync(args),
    },
    Console.Error);
