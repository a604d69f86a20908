using LinkGateway.Contracts;
using LinkGateway.Infrastructure;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Hosts;

/// <summary>
/// Per-host policy (LinkGateway:Hosts) through a real gateway in front of an origin that records what it receives: the
/// client's Host forwarded where a host's policy says so, a host's Shield under the route's own, a host's weights, and the
/// lookup's order (exact name, nearest wildcard, "*", the global defaults).
/// </summary>
public sealed class HostPoliciesTests : IAsyncLifetime
{
    private const string UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    private readonly RecordingOrigin _origin = new();
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = _origin.Address.ToString(),
        ["LinkGateway:RateLimit:Enabled"] = "false",
        ["LinkGateway:Hosts:links.acme.test:Shield"] = "always",
        ["LinkGateway:Brands:acme:Folder"] = Path.Combine(RepoFiles.Root, "config", "examples", "brands", "acme"),
        ["LinkGateway:Hosts:links.acme.test:Brand"] = "acme",
        ["LinkGateway:Hosts:*.esp.test:Weights:hdr.no-accept-language"] = "1",
        ["LinkGateway:Hosts:legacy.esp.test:ForwardHost"] = "false",
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Theory]
    [InlineData("links.acme.test", "links.acme.test")]
    [InlineData("LINKS.Acme.test.", "LINKS.Acme.test.")] // as the client wrote it: DNS reads both alike
    [InlineData("click.customer-1.esp.test", "click.customer-1.esp.test")]
    public async Task AListedHost_TheOriginReceivesTheClientsHost_AndXForwardedHost(string host, string expected)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var request = Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Host = host;

        await _host.Client.SendAsync(request);

        var seen = _origin.Single(recipient);
        Assert.Equal(expected, seen.Value("Host"));
        Assert.Equal(expected, seen.Value("X-Forwarded-Host"));
    }

    [Theory]
    [InlineData("unlisted.example")]
    [InlineData("legacy.esp.test")] // ForwardHost: false wins over *.esp.test's default
    public async Task AHostThatDoesNotForwardIt_TheOriginReceivesItsOwnHost_AndTheClientsInXForwardedHost(string host)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var request = Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Host = host;

        await _host.Client.SendAsync(request);

        var seen = _origin.Single(recipient);
        Assert.Equal(_origin.Address.Authority, seen.Value("Host"));
        Assert.Equal(host, seen.Value("X-Forwarded-Host"));
    }

    [Theory]
    [InlineData("false", "links.acme.test", false)] // a named host forwards its Host by default
    [InlineData("true", "legacy.acme.test", true)] // the host says no
    public async Task ARoutesOwnOriginalHostTransform_WinsOverTheHostsForwardHost(string routeTransform, string hostName, bool originSeesTheClientsHost)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = _origin.Address.ToString(),
            ["LinkGateway:RateLimit:Enabled"] = "false",
            ["ReverseProxy:Routes:click:Transforms:0:RequestHeaderOriginalHost"] = routeTransform,
            ["LinkGateway:Hosts:links.acme.test:Shield"] = "always",
            ["LinkGateway:Hosts:legacy.acme.test:ForwardHost"] = "false",
        });
        var request = Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Host = hostName;

        await host.Client.SendAsync(request);

        var seen = _origin.Single(recipient);
        Assert.Equal(originSeesTheClientsHost ? hostName : _origin.Address.Authority, seen.Value("Host"));
        Assert.Equal(hostName, seen.Value("X-Forwarded-Host"));
    }

    [Fact]
    public async Task AHostsShieldAlways_ShieldsAConfirmRouteThatNamesNone_OtherHostsKeepTheRoutesAuto()
    {
        var (shielded, forwarded) = ($"r-{Guid.NewGuid():N}", $"r-{Guid.NewGuid():N}");
        var onAcme = Clients.Browser($"/d/m-1/{shielded}", Clients.NextAddress());
        onAcme.Headers.Host = "links.acme.test";
        var elsewhere = Clients.Browser($"/d/m-1/{forwarded}", Clients.NextAddress());
        elsewhere.Headers.Host = "click.customer-1.esp.test";

        var page = await _host.Client.SendAsync(onAcme);
        var passed = await _host.Client.SendAsync(elsewhere);

        Assert.Equal("text/html; charset=utf-8", page.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain(_origin.Requests, r => r.RequestLine.Contains(shielded, StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, passed.StatusCode);
        Assert.Equal("human", _origin.Single(forwarded).Value("X-Bot-Verdict"));
    }

    [Fact]
    public async Task AHostsWeights_ReplaceTheGlobalOnes_ForThatHostOnly()
    {
        var (weighted, global) = ($"r-{Guid.NewGuid():N}", $"r-{Guid.NewGuid():N}");
        // A browser's User-Agent without Accept-Language: hdr.no-accept-language, weighted 1 on *.esp.test.
        var onEsp = Clients.Bare($"/c/m-1/{weighted}/l-1", Clients.NextAddress(), UserAgent);
        onEsp.Headers.Host = "a.esp.test";
        var elsewhere = Clients.Bare($"/c/m-1/{global}/l-1", Clients.NextAddress(), UserAgent);
        elsewhere.Headers.Host = "unlisted.example";

        await _host.Client.SendAsync(onEsp);
        await _host.Client.SendAsync(elsewhere);

        Assert.Equal(("100", "bot"), (_origin.Single(weighted).Value("X-Bot-Score"), _origin.Single(weighted).Value("X-Bot-Verdict")));
        Assert.Contains("hdr.no-accept-language", _origin.Single(global).Value("X-Bot-Reasons"));
        Assert.True(int.Parse(_origin.Single(global).Value("X-Bot-Score")!, System.Globalization.CultureInfo.InvariantCulture) < 100);
    }

    [Theory]
    [InlineData("links.example.com", "links.example.com")]
    [InlineData("Links.Example.COM.:8443", "links.example.com")]
    [InlineData("a.eu.example.com", "*.eu.example.com")] // the nearest parent wins
    [InlineData("a.b.eu.example.com", "*.eu.example.com")]
    [InlineData("a.example.com", "*.example.com")]
    [InlineData("example.com", "*")] // a wildcard names what is under its parent, not the parent
    [InlineData("other.test", "*")]
    [InlineData("[::1]:443", "*")]
    [InlineData("", "*")]
    public void TheLookup_ExactThenNearestWildcardThenAny(string host, string expected)
    {
        var hosts = Compile(new()
        {
            ["links.example.com"] = new(),
            ["*.example.com"] = new(),
            ["*.eu.example.com"] = new(),
            ["*"] = new() { Brand = "Any" },
        });

        Assert.Equal(expected, hosts.For(host).Pattern);
    }

    [Fact]
    public void TheAnyEntry_KeepsTheOriginsHost_UnlessTold_ANamedHostForwardsItsOwn()
    {
        // "*" answers for whatever Host a client writes: forwarding it by default would hand a scanner's invented Host to
        // an origin that routes by Host.
        var hosts = Compile(new() { ["*"] = new(), ["links.example.com"] = new(), ["*.example.net"] = new() });
        var told = Compile(new() { ["*"] = new() { ForwardHost = true } });

        Assert.False(hosts.For("victim.example").ForwardHost);
        Assert.True(hosts.For("links.example.com").ForwardHost);
        Assert.True(hosts.For("a.example.net").ForwardHost);
        Assert.True(told.For("victim.example").ForwardHost);
    }

    [Fact]
    public void WithoutEntries_EveryHostHasTheGlobalPolicy_AndKeepsTheOriginsHost()
    {
        var global = new VerdictScorer(ScoringPolicy.Default);
        var hosts = HostPolicies.Compile(new Dictionary<string, HostPolicyOptions>(), 50, 80, new Dictionary<Signal, double>(), global, [])!;

        var policy = hosts.For("links.example.com");

        Assert.Same(global, policy.Scorer);
        Assert.Equal((null, false, null), (policy.Pattern, policy.ForwardHost, policy.Brand));
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("ACME")] // brand names compare ignoring case, for a host as for a route
    public async Task AHostsBrand_DressesItsUnsubscribePage_OtherHostsKeepTheBuiltInPage(string brand)
    {
        var brands = Path.Combine(RepoFiles.Root, "config", "examples", "brands", "acme");
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Brands:acme:Folder"] = brands,
            ["LinkGateway:Hosts:links.acme.example:Brand"] = brand,
        });
        async Task<string> Page(string hostName)
        {
            var request = Clients.Browser("/u/m-brand/r-1", Clients.NextAddress());
            request.Headers.Host = hostName;
            return await (await host.Client.SendAsync(request)).Content.ReadAsStringAsync();
        }

        Assert.Contains("Leave the Acme newsletter", await Page("links.acme.example"), StringComparison.Ordinal);
        Assert.DoesNotContain("Acme", await Page("links.other.example"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, ShieldMode.Always)] // the route names none: the host's
    [InlineData("auto", ShieldMode.Auto)] // the route's own word wins
    [InlineData("always", ShieldMode.Always)]
    public void AHostsShield_AppliesWhereTheRouteNamesNone(string? routeShield, ShieldMode expected)
    {
        var hosts = Compile(new() { ["links.example.com"] = new() { Shield = ShieldMode.Always } });
        var metadata = new Dictionary<string, string> { ["LinkKind"] = "unsubscribe" };
        if (routeShield is not null)
        {
            metadata["Shield"] = routeShield;
        }

        var route = RoutePolicy.Parse(metadata, out _)!;
        var guarding = hosts.For("links.example.com").Guarding(route);

        Assert.Equal(expected, guarding.Shield);
        Assert.Same(guarding, hosts.For("links.example.com").Guarding(route)); // built once, not per request
        Assert.Same(route, hosts.For("other.example").Guarding(route));
    }

    [Fact]
    public void TheLookupAndTheShield_AllocateNothingPerRequest()
    {
        var hosts = Compile(new()
        {
            ["links.example.com"] = new() { Shield = ShieldMode.Always },
            ["*.example.com"] = new(),
            ["*"] = new(),
        });
        var route = RoutePolicy.Parse(new Dictionary<string, string> { ["LinkKind"] = "confirm" }, out _)!;
        string[] requests = ["links.example.com", "Links.Example.com.:8443", "a.b.example.com", "other.test"];
        foreach (var host in requests)
        {
            hosts.For(host).Guarding(route); // the "always" variant is built once, on first use
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            hosts.For(requests[i % requests.Length]).Guarding(route);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static HostPolicies Compile(Dictionary<string, HostPolicyOptions> entries)
    {
        var errors = new List<string>();
        var hosts = HostPolicies.Compile(entries, 50, 80, new Dictionary<Signal, double>(), new VerdictScorer(ScoringPolicy.Default), errors);
        Assert.Empty(errors);
        return hosts!;
    }
}
