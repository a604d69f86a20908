using LinkGateway.Evaluation;
using LinkGateway.Hosting;

// Two commands: the gateway itself, and `evaluate` (replays an access log through the same judgement). A configuration
// error ends either with one line per problem and exit code 2.
return await GatewayConfigurationException.ReportAsync(
    () => args is ["evaluate", .. var rest] ? EvaluateCommand.RunAsync(rest, Console.Out, Console.Error) : GatewayProgram.RunAsync(args),
    Console.Error);
