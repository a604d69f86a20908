using Microsoft.AspNetCore.Http;
using System.Net;
using System.Text.Json;
using LinkGateway.Infrastructure;

namespace LinkGateway.Observability;

/// <summary>The origin's health as the gateway's own requests to it see it: answers, their class and latency, and no answer at all.</summary>
public sealed class OriginHealthTests
{
    [Fact]
    public async Task AnOriginThatAnswers_IsCountedWithItsLatency_AndOneThatIsAway_AsNoAnswer()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await using var admin = await AdminEndpoint.StartAsync(gateway);
        await using var away = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = $"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}",
        });
        await using var awayAdmin = await AdminEndpoint.StartAsync(away);
        var before = await OriginAsync(admin);
        var awayBefore = await OriginAsync(awayAdmin);

        Assert.Equal(HttpStatusCode.Found, (await gateway.Client.SendAsync(Clients.Browser("/c/m-origin/r-1/l-1", Clients.NextAddress()))).StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, (await away.Client.SendAsync(Clients.Browser("/c/m-origin/r-1/l-1", Clients.NextAddress()))).StatusCode);

        var after = await OriginAsync(admin);
        var awayAfter = await OriginAsync(awayAdmin);
        Assert.Equal((1, 0, 0), (after.Answered - before.Answered, after.Errors5xx - before.Errors5xx, after.Failed - before.Failed));
        Assert.NotNull(after.P50Ms);
        Assert.Equal((0, 0, 1), (awayAfter.Answered - awayBefore.Answered, awayAfter.Errors5xx - awayBefore.Errors5xx, awayAfter.Failed - awayBefore.Failed));
    }

    [Fact]
    public async Task AnOriginThatOutlastsTheActivityTimeout_IsCountedOnceAsNoAnswer()
    {
        await using var origin = await ScriptedOrigin.StartAsync(async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>([origin.AsClusterSetting()])
        {
            ["ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout"] = "00:00:01",
        });
        await using var admin = await AdminEndpoint.StartAsync(gateway);
        var before = await OriginAsync(admin);

        Assert.Equal(HttpStatusCode.GatewayTimeout, (await gateway.Client.SendAsync(Clients.Browser("/c/m-origin/r-1/l-1", Clients.NextAddress()))).StatusCode);

        var after = await OriginAsync(admin);
        Assert.Equal((0, 0, 1), (after.Answered - before.Answered, after.Errors5xx - before.Errors5xx, after.Failed - before.Failed));
    }

    private static async Task<(long Answered, long Errors5xx, long Failed, double? P50Ms)> OriginAsync(AdminEndpoint admin)
    {
        using var stats = JsonDocument.Parse(await admin.Client.GetStringAsync("/admin/stats"));
        var origin = stats.RootElement.GetProperty("origin");
        var p50 = origin.GetProperty("p50Ms");
        return (origin.GetProperty("answered").GetInt64(), origin.GetProperty("errors5xx").GetInt64(), origin.GetProperty("failed").GetInt64(),
            p50.ValueKind == JsonValueKind.Null ? null : p50.GetDouble());
    }
}
