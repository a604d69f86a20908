using LinkGateway.Hosting;

return await GatewayProgram.RunAsync(args);
