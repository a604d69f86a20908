using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using LinkGateway.Infrastructure;

namespace LinkGateway.ProxyTrust;

/// <summary>
/// A balancer the gateway does not trust: a real gateway process in a network namespace of the test's own, reached
/// from a real private address (RFC 1918, CGNAT, IPv6 ULA) with X-Forwarded-For, as a balancer in front of it would.
/// </summary>
public sealed class UntrustedForwarderTests : IDisposable
{
    private readonly PrivateNetwork _network = PrivateNetwork.Create();

    public static TheoryData<string> PrivatePeers => [.. PrivateNetwork.Peers.Select(p => p.ToString())];

    public void Dispose() => _network.Dispose();

    [Theory]
    [MemberData(nameof(PrivatePeers))]
    public async Task ForwardedForFromAnUntrustedPrivatePeer_IsWarnedOnceInTheLogCountedAndListedInReadiness_AndTheNodeStaysReady(string peer)
    {
        await using var gateway = await _network.StartGatewayAsync();
        using var balancer = _network.ClientFrom(IPAddress.Parse(peer));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await balancer.SendAsync(Clients.Browser($"/c/m-1/r-{i}/l-1", $"198.51.100.{i + 1}"))).StatusCode);
        }

        var ready = await balancer.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.All(body.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.Equal("healthy", c.GetProperty("status").GetString()));
        var warning = Assert.Single(body.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("untrusted-forwarder", warning.GetProperty("code").GetString());
        Assert.Contains(peer, warning.GetProperty("message").GetString());
        Assert.Contains("LinkGateway:ForwardedHeaders:KnownProxies", warning.GetProperty("message").GetString());
        Assert.StartsWith($"{peer}: 3 requests with X-Forwarded-For", warning.GetProperty("details")[0].GetString());

        var warned = await LogLinesAsync(gateway, $"X-Forwarded-For from {peer}, a private address the gateway does not trust");
        Assert.Single(warned); // once per source, not per request
        Assert.Contains("LinkGateway:ForwardedHeaders:KnownProxies", warned[0]);

        Assert.Equal(3, await UntrustedForwardedCountAsync());
    }

    [Fact]
    public async Task ForwardedForFromATrustedBalancer_IsBelieved_AndNotWarned()
    {
        var peer = PrivateNetwork.Peers[0].ToString();
        await using var gateway = await _network.StartGatewayAsync($"--LinkGateway:ForwardedHeaders:KnownProxies:0={peer}");
        using var balancer = _network.ClientFrom(IPAddress.Parse(peer));

        await balancer.SendAsync(Clients.Browser("/c/m-1/r-1/l-1", "198.51.100.1"));

        Assert.Single(await LogLinesAsync(gateway, "\"ClientAddress\": \"198.51.100.1\"")); // the request log names the client, not the balancer
        await AssertNoWarningAsync(balancer, gateway);
    }

    [Fact]
    public async Task PrivatePeerWithoutForwardedFor_IsAPersonOnTheLan_AndNotWarned()
    {
        await using var gateway = await _network.StartGatewayAsync();
        using var person = _network.ClientFrom(PrivateNetwork.Peers[0]);
        var request = Clients.Browser("/c/m-1/r-1/l-1", "unused");
        request.Headers.Remove("X-Forwarded-For");

        await person.SendAsync(request);

        await AssertNoWarningAsync(person, gateway);
    }

    private async Task AssertNoWarningAsync(HttpClient client, RunningGateway gateway)
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync("/readyz"));
        Assert.Empty(body.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal(0, await UntrustedForwardedCountAsync());
        Assert.DoesNotContain("a private address the gateway does not trust", gateway.Output);
    }

    private async Task<long> UntrustedForwardedCountAsync()
    {
        using var admin = _network.AdminClient();
        var metrics = await admin.GetStringAsync("/metrics");
        var line = Regex.Match(metrics, @"^linkgateway_untrusted_forwarded_total(?:\{[^}]*\})? (?<value>\d+)", RegexOptions.Multiline);
        return line.Success ? long.Parse(line.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The gateway's console lines containing <paramref name="text"/>, once the first has arrived through the pipe.</summary>
    private static async Task<List<string>> LogLinesAsync(RunningGateway gateway, string text)
    {
        for (var attempt = 0; attempt < 100 && !gateway.Output.Contains(text, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(50); // the child's standard output has no signal to wait on
        }

        return [.. gateway.Output.Split('\n').Where(l => l.Contains(text, StringComparison.Ordinal))];
    }
}
