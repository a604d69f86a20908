
// The load harness's two counterparts of the gateway (tests/load/run-load.sh starts them):
//   origin --urls URL                         a fast origin: a redirect for clicks, a pixel for opens, 200 otherwise
//   plain  --urls URL --config FILE --origin URL   plain YARP with the gateway's routes and no detection
if (args.Length == 0 || args[0] is not ("origin" or "plain"))
{
    Console.Error.WriteLine("usage: origin --urls URL | plain --urls URL --config FILE --origin URL");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args[1..]);
builder.Logging.ClearProviders();
if (args[0] == "origin")
{
    var origin = builder.Build();
    var pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");
    origin.Run(context =>
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith("/c/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = "/landing";
            return Task.CompletedTask;
        }

        if (path.StartsWith("/o/", StringComparison.Ordinal))
        {
            context.Response.ContentType = "image/gif";
            return context.Response.Body.WriteAsync(pixel).AsTask();
        }

        return context.Response.WriteAsync("ok");
    });
    await origin.RunAsync();
    return 0;
}

builder.Configuration.AddJsonFile(Path.GetFullPath(builder.Configuration["config"] ?? "config/linkgateway.json"), optional: false);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = builder.Configuration["origin"],
});
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
var plain = builder.Build();
plain.MapReverseProxy();
await plain.RunAsync();
return 0;
