
// The load harness's counterparts of the gateway (tests/load/run-load.sh starts them):
//   origin --urls URL                         a fast origin: a redirect for clicks, a pixel for opens, 200 otherwise;
//                                             GET /_harness/counts answers "requests degraded" (X-Bot-Degraded seen)
//   plain  --urls URL --config FILE --origin URL   plain YARP with the gateway's routes and no detection
//   floor  --urls URL --config FILE --origin URL --redis HOST:PORT
//                                             the same YARP plus one small Redis script per request (issue 16's anchor:
//                                             no gateway that remembers clients in Redis can beat one round trip)
//   paced --target URL --rate R --seconds S   a load generator at a fixed rate, latency from each request's due time (PacedLoad)
using StackExchange.Redis;

if (args.Length > 0 && args[0] == "paced")
{
    return await PacedLoad.RunAsync(args[1..]);
}

if (args.Length == 0 || args[0] is not ("origin" or "plain" or "floor"))
{
    Console.Error.WriteLine("usage: origin --urls URL | plain --urls URL --config FILE --origin URL | floor ... --redis HOST:PORT | paced --target URL --rate R --seconds S");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args[1..]);
builder.Logging.ClearProviders();
if (args[0] == "origin")
{
    var origin = builder.Build();
    var pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");
    long requests = 0, degraded = 0;
    origin.Run(context =>
    {
        var path = context.Request.Path.Value ?? "/";
        if (path == "/_harness/counts")
        {
            return context.Response.WriteAsync($"{Interlocked.Read(ref requests)} {Interlocked.Read(ref degraded)}\n");
        }

        Interlocked.Increment(ref requests);
        if (context.Request.Headers.ContainsKey("X-Bot-Degraded"))
        {
            Interlocked.Increment(ref degraded); // the gateway answered this one without its memory
        }

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
var proxy = builder.Build();
if (args[0] == "plain")
{
    proxy.MapReverseProxy();
}
else
{
    // The least a remembering proxy does: one script, one key per client, one round trip, awaited before forwarding.
    var redis = await ConnectionMultiplexer.ConnectAsync(builder.Configuration["redis"] ?? throw new InvalidOperationException("floor needs --redis HOST:PORT"));
    var db = redis.GetDatabase();
    var window = LuaScript.Prepare("""
        redis.call('ZADD', @key, @now, @member)
        redis.call('PEXPIRE', @key, 60000)
        return redis.call('ZCARD', @key)
        """);
    proxy.MapReverseProxy(pipeline => pipeline.Use(async (context, next) =>
    {
        var client = context.Request.Headers["X-Forwarded-For"].ToString();
        if (client.Length == 0)
        {
            client = context.Connection.RemoteIpAddress?.ToString() ?? "";
        }

        await db.ScriptEvaluateAsync(window, new
        {
            key = (RedisKey)("floor:{ip:" + client + "}:rcpt"),
            now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            member = context.Request.Path.Value ?? "/",
        });
        await next(context);
    }));
}

await proxy.RunAsync();
return 0;
