using LinkGateway.Infrastructure;

namespace LinkGateway.Hosts;

/// <summary>
/// config/examples/tracking-domains.json, started as it ships (only the origins' addresses replaced by two recording origins):
/// each tracking domain reaches its own origin, which receives the Host the client asked for; and a change of
/// LinkGateway:Hosts in the running file applies whole, or not at all.
/// </summary>
public sealed class TrackingDomainsExampleTests : IAsyncLifetime
{
    private const string ReloadedMessage = "Guard configuration reloaded";
    private const string RefusedMessage = "Configuration reload refused";

    private readonly RecordingOrigin _acme = new();
    private readonly RecordingOrigin _esp = new();
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lg-domains-");
    private GatewayHost _host = null!;

    private string ConfigFile => Path.Combine(_config.FullName, "tracking-domains.json");

    public async Task InitializeAsync()
    {
        // A copy, so the reload test can change it; the example's relative signatures path is the repository's.
        File.Copy(Path.Combine(RepoFiles.Root, "config", "examples", "tracking-domains.json"), ConfigFile);
        _host = await GatewayHost.StartAsync(configFile: ConfigFile, settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Signatures:Path"] = Path.Combine(RepoFiles.Root, "config", "signatures"),
            ["LinkGateway:Brands:acme:Folder"] = Path.Combine(RepoFiles.Root, "config", "examples", "brands", "acme"),
            ["ReverseProxy:Clusters:acme:Destinations:primary:Address"] = _acme.Address.ToString(),
            ["ReverseProxy:Clusters:esp:Destinations:primary:Address"] = _esp.Address.ToString(),
            ["LinkGateway:RateLimit:Enabled"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _acme.DisposeAsync();
        await _esp.DisposeAsync();
        _config.Delete(recursive: true);
    }

    [Theory]
    [InlineData("links.acme-shop.example", "acme")]
    [InlineData("customer-1.t.esp-mail.example", "esp")]
    [InlineData("customer-2.t.esp-mail.example", "esp")]
    public async Task EachTrackingDomain_ReachesItsOrigin_WithTheOriginalHost(string host, string origin)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(host, $"/c/m-1/{recipient}/l-1");

        var (own, other) = origin == "acme" ? (_acme, _esp) : (_esp, _acme);
        var seen = own.Single(recipient);
        Assert.Equal((host, host), (seen.Value("Host"), seen.Value("X-Forwarded-Host")));
        Assert.Equal("human", seen.Value("X-Bot-Verdict"));
        Assert.DoesNotContain(other.Requests, r => r.RequestLine.Contains(recipient, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHostThatKeepsTheOriginsHost_SendsTheOriginsOwn()
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync("legacy.esp-mail.example", $"/c/m-1/{recipient}/l-1");

        var seen = _esp.Single(recipient);
        Assert.Equal((_esp.Address.Authority, "legacy.esp-mail.example"), (seen.Value("Host"), seen.Value("X-Forwarded-Host")));
    }

    [Fact]
    public async Task AcmesShieldAlways_ShowsThePageToAPerson_TheEspsAutoForwardsThem()
    {
        var (acme, esp) = ($"r-{Guid.NewGuid():N}", $"r-{Guid.NewGuid():N}");

        await SendAsync("links.acme-shop.example", $"/u/m-1/{acme}");
        await SendAsync("customer-1.t.esp-mail.example", $"/u/m-1/{esp}");

        Assert.DoesNotContain(_acme.Requests, r => r.RequestLine.Contains(acme, StringComparison.Ordinal));
        Assert.Equal("human", _esp.Single(esp).Value("X-Bot-Verdict"));
    }

    [Fact]
    public async Task AChangedHostsSection_AppliesWithoutRestart_AndABadOneIsRefusedWhole()
    {
        var text = await File.ReadAllTextAsync(ConfigFile);

        await ChangeAndWaitAsync(ReloadedMessage, text.Replace("\"legacy.esp-mail.example\": { \"ForwardHost\": false }",
            "\"legacy.esp-mail.example\": { \"ForwardHost\": true }", StringComparison.Ordinal));
        var afterGood = $"r-{Guid.NewGuid():N}";
        await SendAsync("legacy.esp-mail.example", $"/c/m-1/{afterGood}/l-1");
        Assert.Equal("legacy.esp-mail.example", _esp.Single(afterGood).Value("Host"));

        // A bad host name beside a good change (ForwardHost false again): neither applies.
        await ChangeAndWaitAsync(RefusedMessage, text.Replace("\"*\": { \"ForwardHost\": true }",
            "\"*\": { \"ForwardHost\": true }, \"bad_name.example\": { }", StringComparison.Ordinal));
        var afterBad = $"r-{Guid.NewGuid():N}";
        await SendAsync("legacy.esp-mail.example", $"/c/m-1/{afterBad}/l-1");
        Assert.Equal("legacy.esp-mail.example", _esp.Single(afterBad).Value("Host"));
        Assert.Contains(_host.Log.Events, e => e.RenderMessage().Contains("LinkGateway:Hosts:bad_name.example", StringComparison.Ordinal));
    }

    private async Task SendAsync(string host, string path)
    {
        var request = Clients.Browser(path, Clients.NextAddress());
        request.Headers.Host = host;
        await _host.Client.SendAsync(request);
    }

    private async Task ChangeAndWaitAsync(string message, string newText)
    {
        var before = _host.Log.Events.Count;
        await File.WriteAllTextAsync(ConfigFile, newText);
        await _host.Log.WaitForAsync(e => _host.Log.Events.Skip(before).Contains(e) && e.RenderMessage().Contains(message, StringComparison.Ordinal));
    }
}
