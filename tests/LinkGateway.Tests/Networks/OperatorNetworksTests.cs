using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LinkGateway.Infrastructure;

namespace LinkGateway.Networks;

/// <summary>Allow and deny networks added at runtime through one node's admin API, kept in Redis, in force on every node.</summary>
[Collection(RedisCollection.Name)]
public sealed class OperatorNetworksTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly string _prefix = $"lg:ops-{Guid.NewGuid():N}:";
    private GatewayHost _nodeA = null!;
    private GatewayHost _nodeB = null!;
    private AdminEndpoint _adminA = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _nodeA = await GatewayHost.StartAsync(redis.Server.Configuration, _prefix);
        _nodeB = await GatewayHost.StartAsync(redis.Server.Configuration, _prefix);
        _adminA = await AdminEndpoint.StartAsync(_nodeA);
        _admin = _adminA.Client;
    }

    public async Task DisposeAsync()
    {
        await _adminA.DisposeAsync();
        await _nodeA.DisposeAsync();
        await _nodeB.DisposeAsync();
    }

    [Fact]
    public async Task DenyAddedOnNodeA_MakesBrowsersFromThatNetworkBotsOnNodeB_UntilRemoved()
    {
        var network = Clients.NextPrefix().TrimEnd('.'); // "a.b.c" of a /24 no other test uses
        var before = await ClickOnBAsync($"{network}.10", "r-before");
        Assert.Equal("human", before.Verdict);

        var put = await _admin.PutAsJsonAsync($"/admin/networks/{network}.0/24", new { list = "deny", note = "sandbox seen in the logs" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await WaitUntilNodeBHasAsync(entries: 1);
        var denied = await ClickOnBAsync($"{network}.11", "r-denied");

        Assert.Equal("bot", denied.Verdict);
        Assert.Equal("net.deny", denied.Reasons.Split(',')[0]);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/admin/networks/{network}.0/24")).StatusCode);
        await WaitUntilNodeBHasAsync(entries: 0);
        var after = await ClickOnBAsync($"{network}.12", "r-after");
        Assert.Equal("human", after.Verdict);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.DeleteAsync($"/admin/networks/{network}.0/24")).StatusCode);
    }

    [Fact]
    public async Task AllowAddedOnNodeA_MakesAScriptFromThatNetworkHumanOnNodeB()
    {
        var network = Clients.NextPrefix().TrimEnd('.');
        var put = await _admin.PutAsJsonAsync($"/admin/networks/{network}.0/24", new { list = "allow", note = "the customer's office proxy" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await WaitUntilNodeBHasAsync(entries: 1);

        var response = await _nodeB.Client.SendAsync(Clients.Bare("/c/m-ops/r-allowed/l-1", $"{network}.20", "python-requests/2.32"));

        var seen = Assert.Single(_nodeB.Ledger.Events, e => e.RecipientId == "r-allowed");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(("human", "0"), (seen.Header("X-Bot-Verdict"), seen.Header("X-Bot-Score")));
        Assert.Contains("net.allow", seen.Header("X-Bot-Reasons")!.Split(','));
        Assert.Contains("ua.library", seen.Header("X-Bot-Reasons")!.Split(',')); // the evidence is still reported
    }

    [Theory]
    [InlineData("/admin/networks/203.0.113.7/24", "{\"list\":\"deny\"}")] // host bits set
    [InlineData("/admin/networks/203.0.113.0/33", "{\"list\":\"deny\"}")]
    [InlineData("/admin/networks/not-an-address/24", "{\"list\":\"deny\"}")]
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":\"maybe\"}")]
    // A list left out, or given as a number, was "allow" (enum value 0): an intended deny let scripts past the shield.
    [InlineData("/admin/networks/203.0.113.0/24", "{\"note\":\"sandbox range to deny\"}")]
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":null}")]
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":0}")]
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":1}")]
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":\"allow, deny\"}")] // read as flags, it stored a deny
    [InlineData("/admin/networks/203.0.113.0/24", "{\"list\":\"1\"}")]
    // Wider than any listed network: everyone a person, or nobody able to unsubscribe.
    [InlineData("/admin/networks/0.0.0.0/0", "{\"list\":\"allow\"}")]
    [InlineData("/admin/networks/128.0.0.0/7", "{\"list\":\"deny\"}")]
    [InlineData("/admin/networks/::/0", "{\"list\":\"allow\"}")]
    [InlineData("/admin/networks/2000::/15", "{\"list\":\"deny\"}")]
    [InlineData("/admin/networks/::ffff:0.0.0.0/96", "{\"list\":\"allow\"}")] // 0.0.0.0/0, mapped
    [InlineData("/admin/networks/fe80::%254/128", "{\"list\":\"allow\"}")] // an interface of one host, not a network
    public async Task ABadNetworkOrList_Gets400AndChangesNothing(string path, string body)
    {
        var response = await _admin.PutAsync(path, new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_nodeA.Services.GetRequiredService<OperatorNetworks>().Entries);
    }

    /// <summary>An IPv4-mapped block was stored as IPv6 and matched nobody (clients are looked up by their IPv4 address).</summary>
    [Fact]
    public async Task AnIPv4MappedNetwork_IsListedAsItsIPv4Network()
    {
        var network = Clients.NextPrefix().TrimEnd('.');
        var put = await _admin.PutAsJsonAsync($"/admin/networks/::ffff:{network}.0/120", new { list = "allow", note = "office, written mapped" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal($"{network}.0/24", (await put.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("network").GetString());
        await WaitUntilNodeBHasAsync(entries: 1);

        await _nodeB.Client.SendAsync(Clients.Bare("/c/m-ops/r-mapped/l-1", $"{network}.20", "python-requests/2.32"));

        Assert.Equal("human", Assert.Single(_nodeB.Ledger.Events, e => e.RecipientId == "r-mapped").Header("X-Bot-Verdict"));
    }

    private async Task<(string Verdict, string Reasons)> ClickOnBAsync(string address, string recipient)
    {
        await _nodeB.Client.SendAsync(Clients.Browser($"/c/m-ops/{recipient}/l-1", address));
        var seen = Assert.Single(_nodeB.Ledger.Events, e => e.RecipientId == recipient);
        return (seen.Header("X-Bot-Verdict")!, seen.Header("X-Bot-Reasons") ?? "");
    }

    /// <summary>Node B hears of the change on the Redis channel; waits for it, bounded.</summary>
    private async Task WaitUntilNodeBHasAsync(int entries)
    {
        var lists = _nodeB.Services.GetRequiredService<OperatorNetworks>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (lists.Entries.Count != entries)
        {
            await Task.Delay(20, deadline.Token); // pub/sub delivery has no hook to await from outside the node
        }
    }
}
