using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LinkGateway.Infrastructure;

namespace LinkGateway.Observability;

/// <summary>
/// Prometheus metrics on the admin port, scraped from a gateway process of its own (the meter is process-wide,
/// so a process keeps other tests' gateways out of the counts).
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly int _port = RedisServer.FreeLoopbackPort();
    private readonly int _adminPort = RedisServer.FreeLoopbackPort();
    private RunningGateway _gateway = null!;
    private HttpClient _client = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{_port}/healthz"), new Uri($"http://127.0.0.1:{_adminPort}/metrics")],
            "--demo", "--urls", $"http://127.0.0.1:{_port}",
            $"--LinkGateway:Admin:Urls=http://127.0.0.1:{_adminPort}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}",
            "--LinkGateway:RateLimit:PerSecond=1", "--LinkGateway:RateLimit:Burst=3");
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        _admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_adminPort}") };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminEndpoint.Token);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _admin.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Metrics_CountVerdictsReasonsShieldAbsorbTagsStoreAndRateLimit()
    {
        // A person clicks twice, a scanner clicks and opens the unsubscribe link, a honeypot is hit, and one
        // address sends more than its burst.
        await _client.SendAsync(Clients.Browser("/c/m-1/r-1/l-1", "198.51.100.10"));
        await _client.SendAsync(Clients.Browser("/c/m-1/r-2/l-1", "198.51.100.11"));
        await _client.SendAsync(Clients.Bare("/c/m-1/r-3/l-1", "203.0.113.20", "curl/8.5.0"));
        await _client.SendAsync(Clients.Bare("/u/m-1/r-3", "203.0.113.21", "curl/8.5.0"));
        await _client.SendAsync(Clients.Bare("/h/m-1/r-4", "203.0.113.22", "python-requests/2.32"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await _client.SendAsync(Clients.Browser($"/c/m-2/r-{i}/l-1", "198.51.100.99"))).StatusCode);
        }

        var metrics = await ScrapeAsync();

        Assert.True(Value(metrics, "linkgateway_requests_total", "action=\"forward\"", "kind=\"click\"", "verdict=\"human\"") >= 2);
        Assert.Equal(1, Value(metrics, "linkgateway_requests_total", "action=\"forward\"", "kind=\"click\"", "verdict=\"bot\""));
        Assert.Equal(1, Value(metrics, "linkgateway_requests_total", "action=\"interstitial\"", "kind=\"unsubscribe\"", "verdict=\"bot\""));
        Assert.Equal(1, Value(metrics, "linkgateway_requests_total", "action=\"neutral-page\"", "kind=\"honeypot\""));
        Assert.True(Value(metrics, "linkgateway_reasons_total", "reason=\"ua.library\"") >= 3);
        Assert.Equal(1, Value(metrics, "linkgateway_shield_total", "outcome=\"shown\""));
        Assert.True(Value(metrics, "linkgateway_tags_total", "entity=\"address\"") >= 2);
        Assert.Equal(1, Value(metrics, "linkgateway_tags_total", "entity=\"honeypot\""));
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.TooManyRequests), Value(metrics, "linkgateway_rate_limited_total"));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var judged = statuses.Count(s => s != HttpStatusCode.TooManyRequests) + 5;
        Assert.Equal(judged, Value(metrics, "linkgateway_store_duration_seconds_count"));
        Assert.Equal(judged, Value(metrics, "linkgateway_store_duration_seconds_bucket", "le=\"+Inf\""));
        Assert.Contains("# TYPE linkgateway_store_duration_seconds histogram", metrics);
        Assert.Equal(0, Value(metrics, "linkgateway_degraded_total"));
    }

    [Fact]
    public async Task Metrics_ExportEveryKnownSeriesAtZero_BuildInfo_TheOriginAndTheStore()
    {
        var before = await ScrapeAsync();

        // Nothing has happened yet, and every series whose labels are known is there, at zero.
        foreach (var kind in new[] { "click", "open", "unsubscribe", "confirm", "honeypot", "none" })
        {
            Assert.Equal([0], Series(before, "linkgateway_requests_total", "action=\"forward\"", $"kind=\"{kind}\"", "verdict=\"human\""));
            Assert.Equal([0], Series(before, "linkgateway_requests_total", "action=\"interstitial\"", $"kind=\"{kind}\"", "verdict=\"bot\""));
        }

        Assert.Equal(72, Series(before, "linkgateway_requests_total").Count);
        Assert.Equal([0], Series(before, "linkgateway_reasons_total", "reason=\"ua.library\""));
        Assert.Equal([0], Series(before, "linkgateway_shield_total", "outcome=\"passed\""));
        Assert.Equal([0], Series(before, "linkgateway_tags_total", "entity=\"honeypot\""));
        Assert.Equal([0], Series(before, "linkgateway_origin_responses_total", "class=\"5xx\""));
        foreach (var counter in new[] { "linkgateway_degraded_total", "linkgateway_rate_limited_total", "linkgateway_shed_total", "linkgateway_untrusted_forwarded_total", "linkgateway_opens_absorbed_total" })
        {
            Assert.Equal([0], Series(before, counter));
        }

        var build = Assert.Single(before.Split('\n'), line => line.StartsWith("linkgateway_build_info{", StringComparison.Ordinal));
        Assert.Matches("commit=\"[0-9a-f]{40}\"", build);
        Assert.Matches("version=\"[0-9]+\\.[0-9]+\\.[0-9]+", build);
        Assert.EndsWith(" 1", build);
        Assert.Equal([0], Series(before, "linkgateway_store_circuit"));
        Assert.Equal([0], Series(before, "linkgateway_store_degraded_share"));

        // A person's click goes to the origin, which answers its redirect: one 3xx, timed.
        await _client.SendAsync(Clients.Browser("/c/m-o/r-1/l-1", "198.51.100.30"));
        var after = await ScrapeAsync();

        Assert.Equal(1, Value(after, "linkgateway_origin_responses_total", "class=\"3xx\""));
        Assert.Equal(0, Value(after, "linkgateway_origin_responses_total", "class=\"5xx\""));
        Assert.Equal(1, Value(after, "linkgateway_origin_duration_seconds_count"));
        Assert.Contains("# TYPE linkgateway_origin_duration_seconds histogram", after);
        Assert.Equal(1, Value(after, "linkgateway_requests_total", "action=\"forward\"", "kind=\"click\"", "verdict=\"human\""));
    }

    [Fact]
    public async Task Metrics_NeedTheToken()
    {
        using var anonymous = new HttpClient { BaseAddress = _admin.BaseAddress };

        var response = await anonymous.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<string> ScrapeAsync()
    {
        var response = await _admin.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The values of every series of <paramref name="name"/> that carries all <paramref name="labels"/>.</summary>
    private static List<double> Series(string metrics, string name, params string[] labels) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(label => line.Contains(label, StringComparison.Ordinal)))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/>; 0 when none.</summary>
    private static double Value(string metrics, string name, params string[] labels) => Series(metrics, name, labels).Sum();
}
