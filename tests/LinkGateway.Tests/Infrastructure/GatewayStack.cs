using System.Net;
using System.Security.Cryptography;
using LinkGateway.DemoOrigin;

namespace LinkGateway.Infrastructure;

/// <summary>
/// redis-server, the demo origin, and the gateway as its own process (the program's entry point) with the shipped
/// defaults, ready (/readyz answered 200) when returned. Redis runs as deployed (docs/operations/deploy.md, "Redis"):
/// at Redis's default hz 10 its expiry passes take up to 25 ms once a load's windows expire, past the store budget, and a
/// saturation test then measured a misconfigured Redis (a clean-clone run, 2026-11-30: two late probes, 64 verdicts of
/// 10,000 stateless), where the gateway says so at start-up (warning 35).
/// </summary>
public sealed class GatewayStack : IAsyncDisposable
{
    private readonly RedisServer _redis;
    private readonly WebApplication _origin;
    private readonly RunningGateway _gateway;

    private GatewayStack(RedisServer redis, WebApplication origin, RunningGateway gateway, Uri address)
    {
        _redis = redis;
        _origin = origin;
        _gateway = gateway;
        Gateway = address;
    }

    public Uri Gateway { get; }

    /// <summary>What the gateway logged so far (warnings and errors: the stack starts it at Warning).</summary>
    public string GatewayLog => _gateway.Output;

    public IReadOnlyList<OriginEvent> Ledger => _origin.Services.GetRequiredService<OriginLedger>().Events;

    public static async Task<GatewayStack> StartAsync()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--hz", "100"]);
        var origin = DemoOriginApp.Create(["--urls", "http://127.0.0.1:0"], key);
        await origin.StartAsync();
        var address = new Uri($"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}");
        var gateway = await GatewayProcess.StartAsync([new Uri(address, "/healthz")],
            "--urls", address.ToString(),
            $"--LinkGateway:Redis:Configuration={redis.Configuration}",
            $"--LinkGateway:Signing:Key={Convert.ToBase64String(key)}",
            $"--ReverseProxy:Clusters:origin:Destinations:primary:Address={origin.Urls.First()}",
            "--LinkGateway:RateLimit:Enabled=false", // wrk's clients come through one loopback peer
            "--Serilog:MinimumLevel:Default=Warning");
        var stack = new GatewayStack(redis, origin, gateway, address);
        using var client = new HttpClient { BaseAddress = address };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await client.GetAsync("/readyz", deadline.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(50, deadline.Token); // readiness has no push signal: poll it, as a load balancer does
        }

        return stack;
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
