using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

/// <summary>Configuration and signature files change under a running gateway: good changes apply, bad ones are refused and the old set stays.</summary>
public sealed class HotReloadTests : IAsyncLifetime
{
    private const string ReloadedMessage = "Guard configuration reloaded";
    private const string RefusedMessage = "Configuration reload refused";
    private readonly DirectoryInfo _config = Directory.CreateTempSubdirectory("lg-config-");
    private GatewayHost _host = null!;

    private string ConfigFile => Path.Combine(_config.FullName, "linkgateway.json");

    public async Task InitializeAsync()
    {
        File.Copy(RepoFiles.ConfigFile, ConfigFile);
        CopyFolder(Path.Combine(RepoFiles.Root, "config", "signatures"), Path.Combine(_config.FullName, "signatures"));
        _host = await GatewayHost.StartAsync(configFile: ConfigFile);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _config.Delete(recursive: true);
    }

    [Fact]
    public async Task NewSignatureFile_AppliesWithoutRestart_AndABadOneIsRefusedKeepingTheLastGoodSet()
    {
        const string agent = "Zorblax-LinkVetter/2.1 (Windows NT 10.0; Win64; x64)";
        Assert.Equal("human", await VerdictForAsync(agent));

        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(Path.Combine(_config.FullName, "signatures", "user-agents", "local.json"), """
            { "family": "local", "kind": "user-agent", "category": "scanner", "source": "https://example.org/our-own-logs", "taken": "2026-11-23",
              "entries": [ { "name": "Zorblax", "pattern": "Zorblax-LinkVetter/" } ] }
            """));
        Assert.Equal("bot", await VerdictForAsync(agent));

        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(Path.Combine(_config.FullName, "signatures", "user-agents", "broken.json"), """
            { "family": "broken", "kind": "user-agent", "category": "scanner", "source": "https://example.org", "taken": "2026-11-23",
              "entries": [ { "name": "bad", "pattern": "(unclosed" } ] }
            """));
        Assert.Equal("bot", await VerdictForAsync(agent)); // the last good set, Zorblax included, still runs
        Assert.Contains(_host.Log.Events, e => e.RenderMessage().Contains("broken.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ModeChangedInTheConfigFile_SwitchesToObserve()
    {
        Assert.Equal(HttpStatusCode.OK, (await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-before", Clients.NextAddress(), "curl/8.5.0"))).StatusCode);
        Assert.Empty(_host.Ledger.Events); // enforce: the interstitial

        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"LinkGateway\": {", "\"LinkGateway\": {\n    \"Mode\": \"observe\",", StringComparison.Ordinal)));
        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-after", Clients.NextAddress(), "curl/8.5.0"));

        var seen = Assert.Single(_host.Ledger.Events);
        Assert.Equal(("r-after", "bot"), (seen.RecipientId, seen.Header("X-Bot-Verdict")));
    }

    [Fact]
    public async Task AStartUpOnlySettingChanged_IsNamedInAWarning_WhileTheGuardSettingsApply()
    {
        var before = _host.Log.Events.Count;

        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(ConfigFile, File.ReadAllText(ConfigFile)
            .Replace("\"Burst\": 200", "\"Burst\": 300", StringComparison.Ordinal)
            .Replace("\"Suspect\": 50", "\"Suspect\": 55", StringComparison.Ordinal)));

        var warnings = _host.Log.Events.Skip(before).Where(e => e.Level == Serilog.Events.LogEventLevel.Warning).Select(e => e.RenderMessage()).ToList();
        Assert.Contains(warnings, w => w.StartsWith("\"LinkGateway:RateLimit\" changed, but it is read at start-up only", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, w => w.Contains("Thresholds", StringComparison.Ordinal)); // applied by the reload
        Assert.Single(warnings, w => w.Contains("start-up only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWebhookUrlChanged_IsNamedInAWarning_AsReadAtStartUpOnly()
    {
        var before = _host.Log.Events.Count;

        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(ConfigFile, File.ReadAllText(ConfigFile).Replace("\"LinkGateway\": {",
            $"\"LinkGateway\": {{\n    \"FoldBack\": {{ \"Webhook\": {{ \"Url\": \"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}/hook\" }} }},", StringComparison.Ordinal)));

        var warnings = _host.Log.Events.Skip(before).Where(e => e.Level == Serilog.Events.LogEventLevel.Warning).Select(e => e.RenderMessage()).ToList();
        Assert.Single(warnings, w => w.StartsWith("\"LinkGateway:FoldBack\" changed, but it is read at start-up only", StringComparison.Ordinal));
    }

    [Fact]
    public void EverySetting_IsEitherAppliedByAReload_OrComparedAsStartUpOnly()
    {
        // The settings a reload applies (docs/operations/tuning.md, "Applied by a reload"), by their first key under LinkGateway.
        string[] reloaded = ["Mode", "Signatures", "Weights", "Thresholds", "Identity", "Identities", "Timing", "Memory", "Behaviour", "Redis", "Hosts"];
        var covered = reloaded.Concat(GuardReloader.StartUpSettingKeys.Select(key => key.Split(':')[0])).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Equal([], OptionsBinder.KeysOf(typeof(LinkGatewayOptions)).Keys.Where(key => !covered.Contains(key)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("\"Shield\": \"never\"", "\"never\" is not allowed")]
    [InlineData("\"Sheild\": \"always\"", "Sheild: unknown key (did you mean Shield?)")]
    public async Task BadRouteMetadataInTheConfigFile_IsRefused_AndTheShieldStays(string metadata, string problem)
    {
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"LinkKind\": \"unsubscribe\", \"Shield\": \"always\"", $"\"LinkKind\": \"unsubscribe\", {metadata}", StringComparison.Ordinal)));

        await _host.Client.SendAsync(Clients.Browser("/u/m-1/r-still-shielded", Clients.NextAddress()));

        Assert.Empty(_host.Ledger.Events);
        Assert.Contains(_host.Log.Events, e => Refuses(e, problem));
        Assert.DoesNotContain(_host.Log.Events, e => e.Exception is not null); // YARP's stack trace per route is not repeated
    }

    /// <summary>A file emptied, cut to its settings (a deploy that wrote "{}") or moved away applied, and every link answered 404.</summary>
    [Theory]
    [InlineData("{}")]
    [InlineData("""{ "ReverseProxi": { } }""")]
    [InlineData(null)] // the file moved away: .NET reloads a missing file as empty, without an error
    public async Task AConfigFileWithoutLinkRoutes_IsRefused_AndTheRoutesStay(string? json)
    {
        await ChangeAndWaitAsync(RefusedMessage, () =>
        {
            if (json is null)
            {
                File.Move(ConfigFile, ConfigFile + ".moved");
            }
            else
            {
                File.WriteAllText(ConfigFile, json);
            }
        });

        var click = await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-still-routed-empty/l-1", Clients.NextAddress()));
        var unsubscribe = await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-still-shielded-empty", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal((HttpStatusCode.Redirect, HttpStatusCode.OK), (click.StatusCode, unsubscribe.StatusCode));
        Assert.Single(_host.Ledger.Events); // the click; the unsubscribe got the page
        Assert.Contains(_host.Log.Events, e => Refuses(e, "ReverseProxy:Routes: none: every link would get 404"));
    }

    /// <summary>
    /// Another refused content (a value YARP cannot convert, refused before any filter sees it) lies between two saves of the
    /// same refused file: the second is said again, or the operator would read that save as applied.
    /// </summary>
    [Fact]
    public async Task ARefusedFile_SavedAgainAfterAnotherContent_IsSaidAgain()
    {
        var good = File.ReadAllText(ConfigFile);
        var bad = good.Replace("\"LinkKind\": \"unsubscribe\", \"Shield\": \"always\"", "\"LinkKind\": \"unsubscribe\", \"Shield\": \"nevr\"", StringComparison.Ordinal);
        var unconvertible = bad.Replace("\"click\": {\n        \"ClusterId\": \"origin\"", "\"click\": {\n        \"Order\": \"abc\",\n        \"ClusterId\": \"origin\"", StringComparison.Ordinal);
        Assert.NotEqual(bad, unconvertible);

        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, bad));
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, unconvertible));
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, bad));

        Assert.Equal(2, _host.Log.Events.Count(e => Refuses(e, "\"nevr\" is not allowed")));
        Assert.Single(_host.Log.Events, e => Refuses(e, "ReverseProxy:Routes:click:Order: \"abc\" is not a whole number"));
    }

    /// <summary>
    /// A value YARP cannot convert (a route's Order of "abc"): YARP drops the change before any filter sees it, and said so
    /// only in an error with its stack trace and no key. The refusal names the key, once, with no stack trace.
    /// </summary>
    [Fact]
    public async Task AValueYarpCannotConvert_IsRefusedNamingItsKey_WithoutAStackTrace_AndTheRoutesStay()
    {
        var before = _host.Log.Events.Count;
        var good = File.ReadAllText(ConfigFile);
        var unconvertible = good.Replace("\"click\": {\n        \"ClusterId\": \"origin\"", "\"click\": {\n        \"Order\": \"abc\",\n        \"ClusterId\": \"origin\"", StringComparison.Ordinal)
            .Replace("\"Shield\": \"always\"", "\"Shield\": \"auto\"", StringComparison.Ordinal); // would let this person through unasked
        Assert.NotEqual(good, unconvertible);

        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, unconvertible));
        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-still-always-unconvertible", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Empty(_host.Ledger.Events); // Shield: always still: the page
        var said = _host.Log.Events.Skip(before).ToList();
        Assert.Single(said, e => Refuses(e, "ReverseProxy:Routes:click:Order: \"abc\" is not a whole number"));
        Assert.DoesNotContain(said, e => e.Exception is not null);
        Assert.DoesNotContain(said, e => e.RenderMessage().Contains("Configuration data conversion failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMisspeltLinkGatewaySection_IsRefused_AndTheRunningSettingsStay()
    {
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"LinkGateway\": {", "\"LinkGatway\": {\n    \"Mode\": \"observe\",", StringComparison.Ordinal)));

        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-still-enforced-typo", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Empty(_host.Ledger.Events); // enforce still: the interstitial
        Assert.Contains(_host.Log.Events, e => Refuses(e, "LinkGatway: unknown section (did you mean LinkGateway?)"));
    }

    /// <summary>A vendor's network file deleted applied with nothing but a count changed in the log.</summary>
    [Fact]
    public async Task ANetworkListDeleted_Applies_WithAWarningNamingIt()
    {
        var before = _host.Log.Events.Count;

        await ChangeAndWaitAsync(ReloadedMessage, () => File.Delete(Path.Combine(_config.FullName, "signatures", "networks", "barracuda.json")));

        Assert.Contains(_host.Log.Events.Skip(before), e => e.Level == Serilog.Events.LogEventLevel.Warning
            && e.RenderMessage().Contains("dropped the network lists \"barracuda-email-gateway-defense\"", StringComparison.Ordinal));
    }

    /// <summary>YARP tries a refused file again on each of its change events (an editor's save makes several): one line says it.</summary>
    [Fact]
    public async Task TheSameRefusedFile_IsSaidOnce_UntilAChangeApplies()
    {
        var good = File.ReadAllText(ConfigFile);
        var bad = good.Replace("\"LinkKind\": \"unsubscribe\", \"Shield\": \"always\"", "\"LinkKind\": \"unsubscribe\", \"Shield\": \"nevr\"", StringComparison.Ordinal);

        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, bad));
        File.WriteAllText(ConfigFile, bad); // saved again, unchanged
        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(ConfigFile, good.Replace("\"LinkGateway\": {", "\"LinkGateway\": {\n    \"Mode\": \"observe\",", StringComparison.Ordinal)));
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, bad)); // news again after a change applied

        Assert.Equal(2, _host.Log.Events.Count(e => Refuses(e, "\"nevr\" is not allowed")));
    }

    [Fact]
    public async Task AnOriginTimeoutOfZero_IsRefused_AndClicksStillReachTheOrigin()
    {
        var good = File.ReadAllText(ConfigFile);
        var zero = good.Replace("\"ActivityTimeout\": \"00:00:30\"", "\"ActivityTimeout\": \"00:00:00\"", StringComparison.Ordinal);
        Assert.NotEqual(good, zero);

        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, zero));

        var response = await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-still-in-time/l-1", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains(_host.Log.Events, e => Refuses(e, "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: 00:00:00 is outside"));
    }

    [Fact]
    public async Task RouteToAClusterThatDoesNotExist_IsRefused_AndTheRouteKeepsItsCluster()
    {
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"click\": {\n        \"ClusterId\": \"origin\"", "\"click\": {\n        \"ClusterId\": \"orgin\"", StringComparison.Ordinal)));

        var response = await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-still-routed/l-1", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Single(_host.Ledger.Events);
        Assert.Contains(_host.Log.Events, e => Refuses(e, "ReverseProxy:Routes:click:ClusterId: \"orgin\" names no cluster"));
        Assert.DoesNotContain(_host.Log.Events, e => e.Exception is not null);
    }

    [Fact]
    public async Task UnknownKeyInTheConfigFile_IsRefusedNamingTheClosestKey_AndTheRunningModeStays()
    {
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"LinkGateway\": {", "\"LinkGateway\": {\n    \"Mdoe\": \"observe\",", StringComparison.Ordinal)));

        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-still-enforced", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Empty(_host.Ledger.Events); // enforce: the interstitial
        Assert.Contains(_host.Log.Events, e => e.RenderMessage().Contains("LinkGateway:Mdoe: unknown key (did you mean Mode?)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChangeWithOneBadSetting_AppliesNothing_NeitherItsRoutesNorItsGuardSettings()
    {
        var good = File.ReadAllText(ConfigFile);
        // The unsubscribe route loses its shield (a valid route change) while a guard setting is bad: the route must not go.
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, good
            .Replace("\"Metadata\": { \"LinkKind\": \"unsubscribe\", \"Shield\": \"always\" }", "\"Metadata\": { }", StringComparison.Ordinal)
            .Replace("\"LinkGateway\": {", "\"LinkGateway\": {\n    \"Mdoe\": \"observe\",", StringComparison.Ordinal)));
        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-half-change", Clients.NextAddress(), "curl/8.5.0"));
        Assert.Empty(_host.Ledger.Events); // still shielded: the interstitial

        // The reverse: the guard's settings are good (observe), a route is one YARP refuses: the mode must not change.
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile, good
            .Replace("\"Path\": \"/c/{messageId}/{recipientId}/{linkId}\"", "\"Path\": \"/c/{messageId\"", StringComparison.Ordinal)
            .Replace("\"LinkGateway\": {", "\"LinkGateway\": {\n    \"Mode\": \"observe\",", StringComparison.Ordinal)));
        await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-other-half", Clients.NextAddress(), "curl/8.5.0"));
        Assert.Empty(_host.Ledger.Events); // still enforce: the interstitial
        Assert.DoesNotContain(_host.Log.Events, e => e.RenderMessage().Contains(ReloadedMessage, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARouteChangeRefusedWhileASignatureFileWasBroken_AppliesOnceTheFileIsFixed()
    {
        var broken = Path.Combine(_config.FullName, "signatures", "user-agents", "broken.json");
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(broken, """
            { "family": "broken", "kind": "user-agent", "category": "scanner", "source": "https://example.org", "taken": "2026-11-23",
              "entries": [ { "name": "bad", "pattern": "(unclosed" } ] }
            """));
        await ChangeAndWaitAsync(RefusedMessage, () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"Path\": \"/u/{messageId}/{recipientId}\"", "\"Path\": \"/unsub/{messageId}/{recipientId}\"", StringComparison.Ordinal)));

        await ChangeAndWaitAsync("/unsub (unsubscribe)", () => File.Delete(broken));

        var answer = await RawHttp.SendAsync(_host.Address, RawHttp.CurlGet("/unsub//m-1/r-after-fix", Clients.NextAddress()));
        Assert.True(Interstitial.ShieldClient.IsInterstitial(answer));
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task AMovedUnsubscribeRoute_TakesItsShieldedNamespaceAlong()
    {
        await ChangeAndWaitAsync("/unsub (unsubscribe)", () => File.WriteAllText(ConfigFile,
            File.ReadAllText(ConfigFile).Replace("\"Path\": \"/u/{messageId}/{recipientId}\"", "\"Path\": \"/unsub/{messageId}/{recipientId}\"", StringComparison.Ordinal)));

        var answer = await RawHttp.SendAsync(_host.Address, RawHttp.CurlGet("/unsub//m-1/r-moved", Clients.NextAddress()));

        Assert.True(Interstitial.ShieldClient.IsInterstitial(answer));
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task ConfigFileThatIsNotJson_IsRefusedNamingTheLine_AndTheLastGoodConfigurationStaysThroughTheNextReload()
    {
        var good = File.ReadAllText(ConfigFile);
        await ChangeAndWaitAsync("not valid JSON", () => File.WriteAllText(ConfigFile, good.Replace("\"Suspect\": 50,", "\"Suspect\": 50", StringComparison.Ordinal)));

        // A signature file changes while the file is broken: the guard is validated again from the last good file.
        await ChangeAndWaitAsync(ReloadedMessage, () => File.WriteAllText(Path.Combine(_config.FullName, "signatures", "user-agents", "local.json"), """
            { "family": "local", "kind": "user-agent", "category": "scanner", "source": "https://example.org/our-own-logs", "taken": "2026-11-23",
              "entries": [ { "name": "Zorblax", "pattern": "Zorblax-LinkVetter/" } ] }
            """));
        await _host.Client.SendAsync(Clients.Browser("/u/m-1/r-still-shielded", Clients.NextAddress()));

        Assert.Empty(_host.Ledger.Events); // Shield: always, from the last good file
        Assert.Contains(_host.Log.Events, e => e.RenderMessage().Contains($"--config: {ConfigFile}: not valid JSON: ", StringComparison.Ordinal)
                                                && e.RenderMessage().Contains($"(line {BotLine(good)}, column 7)", StringComparison.Ordinal));
    }

    /// <summary>The line after "Suspect": 50, where the reader finds "Bot" without a comma before it (counted from 1).</summary>
    private static int BotLine(string json) => json.Split('\n').ToList().FindIndex(l => l.Contains("\"Suspect\": 50,", StringComparison.Ordinal)) + 2;

    private async Task<string?> VerdictForAsync(string userAgent)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var request = Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Remove("User-Agent");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        await _host.Client.SendAsync(request);
        return Assert.Single(_host.Ledger.Events, e => e.RecipientId == recipient).Header("X-Bot-Verdict");
    }

    /// <summary>Makes a change and waits for the gateway's own log line about it: the reload is the signal.</summary>
    /// <summary>The event says a reload was refused for <paramref name="problem"/> (read from its property: the rendered message escapes quotes).</summary>
    private static bool Refuses(Serilog.Events.LogEvent e, string problem) =>
        e.Properties.TryGetValue("Problem", out var said) && said is Serilog.Events.ScalarValue { Value: string text } && text.Contains(problem, StringComparison.Ordinal);

    private async Task ChangeAndWaitAsync(string message, Action change)
    {
        var before = _host.Log.Events.Count;
        change();
        await _host.Log.WaitForAsync(e => _host.Log.Events.Skip(before).Contains(e)
            && e.RenderMessage().Contains(message, StringComparison.Ordinal));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
