using System.Buffers.Text;
using System.Text.Json;
using LinkGateway.Links;

namespace LinkGateway.Hosting;

/// <summary>--demo: where it listens, and the example links it prints, in the layout of the configuration it runs.</summary>
public sealed class DemoModeTests
{
    private const long Sent = 1_795_000_000;

    [Theory]
    [InlineData(new[] { "--demo" }, DemoMode.DefaultUrl)]
    [InlineData(new[] { "--demo", "--urls", "http://127.0.0.1:6000" }, null)]
    [InlineData(new[] { "--demo", "--URLS", "http://127.0.0.1:6000" }, null)]
    [InlineData(new[] { "--demo", "/urls=http://127.0.0.1:6000" }, null)]
    [InlineData(new[] { "--demo", "--http_ports", "6000" }, null)]
    [InlineData(new[] { "--demo", "--LinkGateway:Mode=observe" }, DemoMode.DefaultUrl)]
    public async Task TheDemoListensAtItsDefaultAddress_UnlessTheArgumentsSayWhere(string[] args, string? expectedUrls)
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")), "ASPNETCORE_URLS is set for the test run, which the demo follows too");

        var (origin, overrides) = await DemoMode.StartOriginAsync(GatewayLaunch.Parse(args));
        await using var _ = origin;

        Assert.Equal(expectedUrls, overrides.GetValueOrDefault("urls"));
    }

    [Fact]
    public void TheShippedConfiguration_GivesLinksWithTheirValuesInThePath_AndTheSendTimeInTheQueryOfAClick()
    {
        var links = ExampleLinks(RepoFiles.ConfigFile);

        Assert.Equal($"/c/m-1001/r-42/l-1?t={Sent}", links[(LinkKind.Click, "r-42")]);
        Assert.Equal($"/c/m-1001/r-43/l-1?t={Sent}", links[(LinkKind.Click, "r-43")]);
        Assert.Equal(("/o/m-1001/r-42", "/u/m-1001/r-44", "/h/m-1001/r-42"),
            (links[(LinkKind.Open, "r-42")], links[(LinkKind.Unsubscribe, "r-44")], links[(LinkKind.Honeypot, "r-42")]));
    }

    [Fact]
    public void TheOpaqueTokenExample_GivesLinksWhoseTokenOpensToTheRecipient()
    {
        var links = ExampleLinks(Path.Combine(RepoFiles.Root, "config", "examples", "opaque-token.json"));

        var click = links[(LinkKind.Click, "r-42")];
        Assert.StartsWith("/t/", click, StringComparison.Ordinal);
        using var token = JsonDocument.Parse(Base64Url.DecodeFromChars(Uri.UnescapeDataString(click["/t/".Length..])));
        Assert.Equal(("m-1001", "r-42", "l-1", Sent), (token.RootElement.GetProperty("m").GetString(), token.RootElement.GetProperty("r").GetString(),
            token.RootElement.GetProperty("l").GetString(), token.RootElement.GetProperty("t").GetInt64()));
    }

    private static Dictionary<(LinkKind Kind, string Recipient), string> ExampleLinks(string configFile)
    {
        using var app = GatewayApp.Build(new GatewayLaunch(false, configFile, []), new Dictionary<string, string?>
        {
            ["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]),
        });

        return DemoMode.ExampleLinks(app.Configuration, app.Services.GetRequiredService<LinkGatewayOptions>(), Sent);
    }
}
