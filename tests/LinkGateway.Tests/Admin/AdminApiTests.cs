using System.Net;
using System.Text.Json;
using LinkGateway.Infrastructure;

namespace LinkGateway.Admin;

/// <summary>The admin API on its own port: token required, tags looked up and removed (a false positive), versions shown.</summary>
public sealed class AdminApiTests : IAsyncLifetime
{
    private GatewayHost _host = null!;
    private AdminEndpoint _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartAsync();
        _admin = await AdminEndpoint.StartAsync(_host);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer an-admin-token-of-at-least-32-character")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task WithoutTheToken_Gets401(string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/version");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await _admin.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    /// <summary>RFC 9110 §11.1: an authentication scheme is case-insensitive.</summary>
    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("bEaReR")]
    public async Task TheBearerScheme_IsAcceptedInAnyCase(string scheme)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/version");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {AdminEndpoint.Token}");

        var response = await _admin.Anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ATag_CanBeLookedUpAndRemoved()
    {
        var address = Clients.NextAddress();
        await _host.Client.SendAsync(Clients.Bare("/c/m-1/r-admin/l-1", address, "curl/8.5.0"));

        var before = await GetJsonAsync($"/admin/addresses/{address}");
        var removed = await SendAsync(HttpMethod.Delete, $"/admin/addresses/{address}/tag");
        var after = await GetJsonAsync($"/admin/addresses/{address}");
        var removedAgain = await SendAsync(HttpMethod.Delete, $"/admin/addresses/{address}/tag");

        Assert.StartsWith("ua.library", before.GetProperty("tag").GetProperty("reasons").GetString());
        Assert.InRange(before.GetProperty("tag").GetProperty("secondsLeft").GetInt64(), 1, 86400);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("tag").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, removedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/admin/addresses/not-an-address")).StatusCode);
    }

    [Fact]
    public async Task APrefix_ShowsItsTag_AndItsTagCanBeRemoved()
    {
        var network = Clients.NextPrefix(); // "a.b.c."
        await _host.Client.SendAsync(Clients.Bare("/h/m-1/r-trap", network + "5", "python-requests/2.32"));
        await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-person/l-1", network + "6"));

        var prefix = await GetJsonAsync($"/admin/prefixes/{network}0/24");
        var removed = await SendAsync(HttpMethod.Delete, $"/admin/prefixes/{network}0/24/tag");
        var removedAgain = await SendAsync(HttpMethod.Delete, $"/admin/prefixes/{network}0/24/tag");

        Assert.Equal($"{network}0/24", prefix.GetProperty("name").GetString());
        Assert.Contains("honeypot", prefix.GetProperty("tag").GetProperty("reasons").GetString()!.Split(','));
        Assert.Empty(prefix.GetProperty("recentHumanRequests").EnumerateArray()); // a /24 is many people: only addresses keep requests for fold-back
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, removedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/admin/prefixes/{network}0/16")).StatusCode); // not a prefix the store keeps
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/admin/prefixes/{network}7/24")).StatusCode); // host bits set
    }

    [Fact]
    public async Task Version_NamesTheRunningSignaturesAndMode()
    {
        var version = await GetJsonAsync("/admin/version");

        Assert.Matches("^[0-9a-f]{12}$", version.GetProperty("signatures").GetString());
        Assert.Equal("enforce", version.GetProperty("mode").GetString());
        Assert.Equal("in-process", version.GetProperty("store").GetString());
        Assert.Equal(JsonValueKind.Array, (await GetJsonAsync("/admin/foldback?count=5")).ValueKind);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) => _admin.Client.SendAsync(new HttpRequestMessage(method, path));

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        var response = await SendAsync(HttpMethod.Get, path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}
