using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.RateLimiting;

public sealed class ClientRateLimitingTests
{
    [Fact]
    public async Task OverTheBurst_Gets429WithANeutralBody_OnlyForThatAddress()
    {
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LinkGateway:RateLimit:Burst"] = "3",
            ["LinkGateway:RateLimit:PerSecond"] = "1",
        });
        var busy = Clients.NextAddress();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await host.Client.SendAsync(Clients.Browser($"/c/m-1/r-{i}/l-1", busy)));
        }

        // The bucket refills one token a second on a timer of its own, so one more may pass at a tick.
        Assert.All(answers.Take(3), a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 6, 7);
        Assert.Equal("Too many requests. Please try again in a moment.", await limited[0].Content.ReadAsStringAsync());
        Assert.NotNull(limited[0].Headers.RetryAfter);
        Assert.Equal(10 - limited.Count, host.Ledger.Events.Count); // limited requests never reach the origin

        Assert.Equal(HttpStatusCode.Redirect, (await host.Client.SendAsync(Clients.Browser("/c/m-1/r-other/l-1", Clients.NextAddress()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
    }
}
