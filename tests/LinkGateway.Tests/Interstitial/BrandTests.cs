using Microsoft.AspNetCore.Http;
using System.Text.RegularExpressions;
using LinkGateway.Contracts;
using LinkGateway.Hosting;
using LinkGateway.Infrastructure;
using LinkGateway.Links;

namespace LinkGateway.Interstitial;

/// <summary>
/// Brands of the interstitial (LinkGateway:Brands, route Metadata "Brand"): their words, colours and logo, inline only,
/// the built-in words for whatever a brand leaves out, the same page for every verdict, and start-up checks naming the key.
/// </summary>
public sealed partial class BrandTests : IDisposable
{
    private const string Acme = "examples/brands/acme"; // relative to config/, as an operator writes it
    private readonly List<string> _folders = [];

    [Fact]
    public async Task BrandedRoute_ShowsTheBrandsWordsColoursAndLogo_InlineOnly()
    {
        await using var host = await GatewayHost.StartAsync(settings: Branded());

        var response = await host.Client.SendAsync(Clients.Browser("/u/m-1/r-1", Clients.NextAddress()));
        var html = await response.Content.ReadAsStringAsync();

        Assert.True(ShieldClient.IsInterstitial(html));
        Assert.Contains("<title>Leave the Acme newsletter</title>", html);
        Assert.Contains(">Unsubscribe me</button>", html);
        Assert.Contains("background:#fff8f0", html);
        Assert.Contains("background:#c2410c", html);
        Assert.Contains("<img class=\"logo\" src=\"data:image/svg+xml;base64,", html);
        Assert.DoesNotMatch("(src|href)=\"(?!data:)", html); // nothing loaded from anywhere
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'none';", csp);
        Assert.Contains("img-src data:;", csp);
    }

    [Theory]
    [InlineData("de-DE,de;q=0.9", "de", "Acme-Newsletter abbestellen", "Bitte bestätigen Sie, dass Sie diese E-Mails abbestellen möchten.")] // the brand's title, the built-in German text
    [InlineData("it-IT", "it", "Annulla l&#x27;iscrizione alla newsletter Acme", "Premi il pulsante")] // a language only the brand has
    [InlineData("fr-FR", "fr", "Se désabonner", "Veuillez confirmer que vous souhaitez vous désabonner de ces e-mails.")] // nothing in French: all built in
    [InlineData("pt-BR", "en", "Leave the Acme newsletter", "Press the button to stop receiving")] // neither has it: the brand's English
    public async Task MissingWords_ComeFromTheBuiltInPage_InTheReadersLanguage(string acceptLanguage, string language, string title, string text)
    {
        await using var host = await GatewayHost.StartAsync(settings: Branded());
        var request = Clients.Browser("/u/m-1/r-2", Clients.NextAddress());
        request.Headers.Remove("Accept-Language");
        request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);

        var response = await host.Client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(language, response.Content.Headers.ContentLanguage.Single());
        Assert.Contains($"<title>{title}</title>", html);
        Assert.Contains(text, html);
    }

    [Fact]
    public async Task RouteWithoutABrand_KeepsTheBuiltInPage()
    {
        await using var host = await GatewayHost.StartAsync(settings: Branded());

        var response = await host.Client.SendAsync(Clients.Bare("/d/m-1/r-3", Clients.NextAddress(), "curl/8.5.0"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("Please confirm to continue.", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("img-src", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task BrandedPage_IsTheSameForEveryVerdict()
    {
        await using var host = await GatewayHost.StartAsync(settings: Branded());
        const string path = "/u/m-1/r-4";

        var pages = new List<string>();
        foreach (var request in new[]
                 {
                     Clients.Browser(path, Clients.NextAddress()), // human (the route shields always)
                     Clients.Bare(path, Clients.NextAddress(), Clients.ChromeUserAgent), // suspect
                     Clients.Bare(path, Clients.NextAddress(), "curl/8.5.0"), // bot
                 })
        {
            request.Headers.Remove("Accept-Language");
            var html = await (await host.Client.SendAsync(request)).Content.ReadAsStringAsync();
            pages.Add(Unique().Replace(html, "…"));
        }

        Assert.Single(pages.Distinct());
    }

    [Fact]
    public async Task BrandWords_AreText_HtmlEncoded()
    {
        var folder = Folder(("texts.json", """{ "en": { "unsubscribe": { "title": "<script>alert(1)</script>", "text": "Tom & \"Jerry\" <b>bold</b>" } } }"""));
        await using var host = await GatewayHost.StartAsync(settings: Branded(folder));

        var html = await (await host.Client.SendAsync(Clients.Browser("/u/m-1/r-5", Clients.NextAddress()))).Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("Tom &amp; &quot;Jerry&quot; &lt;b&gt;bold&lt;/b&gt;", html);
    }

    [Fact]
    public void HostBrand_ChoosesWhenTheRouteNamesNone_AndTheRouteWins()
    {
        var errors = new List<string>();
        var book = BrandBook.Load(new Dictionary<string, BrandOptions> { ["acme"] = new() { Folder = Acme } }, Path.GetDirectoryName(RepoFiles.ConfigFile)!, errors);
        Assert.Empty(errors);
        var unsubscribe = new RoutePolicy(LinkKind.Unsubscribe, ShieldMode.Always, GuardAction.Interstitial, GuardAction.Interstitial);
        var context = new DefaultHttpContext();

        Assert.Equal("default", book!.For(context, unsubscribe).Name);
        Assert.Equal("acme", book.WithHostBrand(new FixedHostBrand("acme")).For(context, unsubscribe).Name);
        Assert.Equal("default", book.WithHostBrand(new FixedHostBrand("gone")).For(context, unsubscribe).Name);
        Assert.Equal("acme", book.WithHostBrand(new FixedHostBrand("gone")).For(context, unsubscribe with { Brand = "acme" }).Name);
    }

    public static TheoryData<string, string, string> BadBrands => new()
    {
        { "missing-folder", "", "LinkGateway:Brands:b:Folder: the folder " },
        { "colours.json", """{ "accent": "red" }""", "LinkGateway:Brands:b:Folder: colours.json: accent: \"red\" is not a colour (#rgb or #rrggbb only)" },
        { "colours.json", """{ "accent": "#0969da;background:url(https://x.example)" }""", "LinkGateway:Brands:b:Folder: colours.json: accent: " },
        { "colours.json", """{ "acent": "#fff" }""", "LinkGateway:Brands:b:Folder: colours.json: acent: unknown key (did you mean accent?)" },
        { "texts.json", """{ "en": { "unsubscribe": { "titel": "x" } } }""", "LinkGateway:Brands:b:Folder: texts.json: en.unsubscribe.titel: unknown key (did you mean unsubscribe.title?)" },
        { "texts.json", """{ "EN": { } }""", "LinkGateway:Brands:b:Folder: texts.json: \"EN\" is not a language" },
        { "texts.json", "{ nope", "LinkGateway:Brands:b:Folder: texts.json: not valid JSON" },
        { "logo.svg", new string('x', 40_000), "LinkGateway:Brands:b:Folder: logo.svg: 40000 bytes, more than 32768" },
        { "logo.png", "<svg/>", "LinkGateway:Brands:b:Folder: logo.png: not a PNG image" },
    };

    [Theory]
    [MemberData(nameof(BadBrands))]
    public void BadBrandFolder_StopsStartUpNamingTheKey(string file, string content, string expected)
    {
        var folder = file == "missing-folder" ? Path.Combine(Path.GetTempPath(), $"lg-no-brand-{Guid.NewGuid():N}") : Folder((file, content));

        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { ["LinkGateway:Brands:b:Folder"] = folder }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("acmee", "ReverseProxy:Routes:unsubscribe:Metadata:Brand: \"acmee\" names no brand under LinkGateway:Brands (did you mean acme?)")]
    [InlineData("a/../b", "ReverseProxy:Routes:unsubscribe:Metadata:Brand: \"a/../b\" is not a brand name")]
    public void RouteNamingNoBrand_StopsStartUpNamingTheKey(string brand, string expected)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new()
        {
            ["LinkGateway:Brands:acme:Folder"] = Acme,
            ["ReverseProxy:Routes:unsubscribe:Metadata:Brand"] = brand,
        }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void BrandWithoutAFolder_StopsStartUpNamingTheKey()
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { ["LinkGateway:Brands:b:Folderr"] = "x" }));

        Assert.Contains(error.Errors, e => e.StartsWith("LinkGateway:Brands:b:Folderr: unknown key (did you mean Folder?)", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("LinkGateway:Brands:b:Folder: missing", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    internal static Dictionary<string, string?> Branded(string folder = Acme) => new()
    {
        ["LinkGateway:Brands:acme:Folder"] = folder,
        ["ReverseProxy:Routes:unsubscribe:Metadata:Brand"] = "acme",
    };

    private string Folder(params (string Name, string Content)[] files)
    {
        var folder = Directory.CreateTempSubdirectory("lg-brand-").FullName;
        _folders.Add(folder);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), content);
        }

        return folder;
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        settings["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]);
        return GatewayApp.Build(new GatewayLaunch(false, RepoFiles.ConfigFile, []), settings);
    }

    private sealed class FixedHostBrand(string name) : IHostBrand
    {
        public string? BrandOf(HttpContext context) => name;
    }

    // What differs from one showing to the next by design: the CSP nonce and the pass token.
    [GeneratedRegex("nonce=\"[^\"]+\"|name=\"lg-pass\" value=\"[^\"]+\"")]
    private static partial Regex Unique();
}
