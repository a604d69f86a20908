using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

public class StartupValidationTests
{
    private static readonly string _validKey = Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData("ReverseProxy:Routes:click:Metadata:LinkKind", "clik", "ReverseProxy:Routes:click:Metadata:LinkKind: unknown LinkKind \"clik\"")]
    [InlineData("ReverseProxy:Routes:click:Metadata:OnBot", "absorb", "ReverseProxy:Routes:click:Metadata:OnBot: \"absorb\" is not allowed for this LinkKind (allowed: forward, interstitial)")]
    [InlineData("ReverseProxy:Routes:open:Metadata:OnSuspect", "interstitial", "ReverseProxy:Routes:open:Metadata:OnSuspect: \"interstitial\" is not allowed for this LinkKind (allowed: forward, absorb)")]
    [InlineData("ReverseProxy:Routes:unsubscribe:Metadata:OnBot", "forward", "ReverseProxy:Routes:unsubscribe:Metadata:OnBot: \"forward\" is not allowed")]
    [InlineData("ReverseProxy:Routes:click:Metadata:Shield", "always", "ReverseProxy:Routes:click:Metadata:Shield: \"always\" is not allowed here")]
    [InlineData("LinkGateway:Shield:MaxFormBytes", "10", "LinkGateway:Shield:MaxFormBytes: 10 is outside 1024..1048576")]
    [InlineData("LinkGateway:RateLimit:IPv6PrefixLength", "16", "LinkGateway:RateLimit:IPv6PrefixLength: 16 is outside 32..128")]
    [InlineData("LinkGateway:Memory:InProcessMaxBytes", "1000", "LinkGateway:Memory:InProcessMaxBytes: 1000 is too small (at least 1048576, 1 MiB")]
    [InlineData("LinkGateway:Admin:Urls", "http://127.0.0.1:9090", "LinkGateway:Admin:Token: needs at least 32 characters")]
    [InlineData("LinkGateway:Signing:Key", "", "LinkGateway:Signing:Key: missing")]
    [InlineData("LinkGateway:Signing:Key", "AAEC", "LinkGateway:Signing:Key: too short: 3 bytes")]
    [InlineData("LinkGateway:Signing:Key", "***", "LinkGateway:Signing:Key: not base64")]
    [InlineData("LinkGateway:Thresholds:Bot", "40", "LinkGateway:Thresholds:Bot: 40 must be between the suspect threshold (50) and 100")]
    [InlineData("LinkGateway:Thresholds:Suspect", "abc", "LinkGateway:Thresholds:Suspect: \"abc\" is not a valid Int32")]
    [InlineData("LinkGateway:Weights:ua.nope", "0.5", "LinkGateway:Weights:ua.nope: unknown reason code")]
    [InlineData("LinkGateway:Weights:ua.library", "1.5", "LinkGateway:Weights:ua.library: 1.5 is outside 0..1")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "10.0.0.1/8", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"10.0.0.1/8\" is not a CIDR network")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownProxies:0", "proxy.local", "LinkGateway:ForwardedHeaders:KnownProxies:0: \"proxy.local\" is not an IP address")]
    [InlineData("LinkGateway:Redis:Budget", "-00:00:01", "LinkGateway:Redis:Budget: must be a positive time span")]
    [InlineData("LinkGateway:Signatures:Path", "no-such-folder", "LinkGateway:Signatures:Path: ")]
    public void BadSetting_StopsStartUpNamingTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { [key] = value }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", "source": "https://example.org", "taken": "2026-11-23", "entries": [ { "name": "bad", "pattern": "(a)\\1" } ] }""", "entries[0] \"bad\": \"pattern\" does not compile")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "vendor", "source": "https://example.org", "taken": "2026-11-23", "entries": [ { "cidr": "192.0.2.0/33" } ] }""", "\"cidr\" is not a valid network: \"192.0.2.0/33\"")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "vendor", "taken": "2026-11-23", "entries": [ { "cidr": "192.0.2.0/24" } ] }""", "needs \"source\"")]
    public void BadSignatureFile_StopsStartUpNamingTheFileAndEntry(string json, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("lg-signatures-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "bad.json"), json);

            var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { ["LinkGateway:Signatures:Path"] = folder.FullName }));

            var line = Assert.Single(error.Errors);
            Assert.StartsWith("LinkGateway:Signatures:Path: bad.json: ", line);
            Assert.Contains(expected, line);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void SeveralProblems_AreAllReportedAtOnce()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new()
        {
            ["LinkGateway:Signing:Key"] = "",
            ["ReverseProxy:Routes:open:Metadata:LinkKind"] = "pixel",
        }));

        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public void MissingConfigFile_SaysWhichFile()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayLaunch.Parse(["--config", "/nonexistent/linkgateway.json"]));

        Assert.Equal("--config: file not found: /nonexistent/linkgateway.json", Assert.Single(error.Errors));
    }

    [Fact]
    public async Task Process_WithoutSigningKey_ExitsWithCode2AndOneLineNamingTheKey()
    {
        // The real entry point, as operators start it: no key outside --demo is a configuration error.
        var (exitCode, stderr) = await GatewayProcess.RunAsync("--config", RepoFiles.ConfigFile, "--urls", "http://127.0.0.1:0");

        Assert.Equal(GatewayProgram.ConfigErrorExitCode, exitCode);
        Assert.StartsWith("config error: LinkGateway:Signing:Key: missing", stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var overrides = new Dictionary<string, string?> { ["LinkGateway:Signing:Key"] = _validKey };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        return GatewayApp.Build(new GatewayLaunch(false, RepoFiles.ConfigFile, []), overrides);
    }
}
