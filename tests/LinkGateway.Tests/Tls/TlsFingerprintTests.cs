using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LinkGateway.Browser;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;
using Microsoft.Playwright;

namespace LinkGateway.Tls;

/// <summary>
/// HTTPS terminated by the gateway's Kestrel from a configured certificate, HTTP/1.1 and HTTP/2, and the JA4 of
/// real clients' ClientHellos: Debian's curl and Python are tools (tls.ja4), and a Chrome User-Agent over their
/// ClientHello is a mismatch; Debian's Chromium is Chromium (no TLS signal).
/// </summary>
public sealed class TlsFingerprintTests(DebianChromium chromium) : IClassFixture<DebianChromium>, IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-tls-");
    private GatewayHost _host = null!;
    private Uri _https = null!;

    public async Task InitializeAsync()
    {
        var (certificate, key) = WriteSelfSignedCertificate(_folder.FullName);
        _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = certificate,
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = key,
            ["LinkGateway:Tls:Ja4Header"] = "X-Forwarded-Ja4",
            ["LinkGateway:RateLimit:Enabled"] = "false",
        });
        _https = _host.Urls.Single(u => u.Scheme == Uri.UriSchemeHttps);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData("--http2", "2")]
    [InlineData("--http1.1", "1.1")]
    public async Task Curl_IsATool_OverHttp2AndHttp1(string protocol, string expectedVersion)
    {
        var (output, recipient) = await CurlAsync(protocol, userAgent: null);

        Assert.EndsWith($" {expectedVersion}", output.Trim(), StringComparison.Ordinal);
        var reasons = ReasonsOf(recipient);
        Assert.Contains("tls.ja4", reasons);
        Assert.DoesNotContain("tls.mismatch", reasons); // curl does not claim Chrome
    }

    [Fact]
    public async Task Curl_ClaimingChrome_IsAMismatch()
    {
        var (_, recipient) = await CurlAsync("--http2", Clients.ChromeUserAgent);

        var reasons = ReasonsOf(recipient);
        Assert.Contains("tls.mismatch", reasons);
        Assert.Contains("tls.ja4", reasons);
        Assert.Equal("bot", Event(recipient).Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task PythonSsl_ClaimingChrome_IsAToolAndAMismatch()
    {
        var recipient = $"r-py-{Guid.NewGuid():N}";
        var script = $$"""
            import ssl, urllib.request
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            request = urllib.request.Request("{{new Uri(_https, $"/c/m-tls/{recipient}/l-1")}}", headers={"User-Agent": "{{Clients.ChromeUserAgent}}"})
            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *args): return None
            try:
                urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect).open(request)
            except urllib.error.HTTPError as e:
                print(e.code)
            """;
        var (exitCode, output) = await RunAsync("python3", "-c", script);

        Assert.True(exitCode == 0, output);
        Assert.Equal("302", output.Trim());
        var reasons = ReasonsOf(recipient);
        Assert.Contains("tls.ja4", reasons);
        Assert.Contains("tls.mismatch", reasons);
    }

    [Fact]
    public async Task DebiansChromium_IsChromium_NoTlsSignal()
    {
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        var recipient = $"r-chromium-{Guid.NewGuid():N}";

        await page.GotoAsync(new Uri(_https, $"/c/m-tls/{recipient}/l-1").ToString());

        var reasons = ReasonsOf(recipient);
        Assert.DoesNotContain("tls.ja4", reasons);
        Assert.DoesNotContain("tls.mismatch", reasons);
        var logged = await _host.Log.WaitForRequestAsync(recipient);
        Assert.Contains("_8daaf6152771_", logged.Properties["Ja4"].ToString(), StringComparison.Ordinal); // Chromium's cipher hash
    }

    [Fact]
    public async Task BehindATlsTerminatingBalancer_TheTrustedHeaderCounts_AndIsNotForwarded()
    {
        var recipient = $"r-lb-{Guid.NewGuid():N}";
        var request = Clients.Browser($"/c/m-tls/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Add("X-Forwarded-Ja4", "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"); // curl's, under a Chrome User-Agent

        await _host.Client.SendAsync(request); // plain HTTP from loopback: a trusted proxy

        Assert.Contains("tls.mismatch", ReasonsOf(recipient));
        Assert.DoesNotContain(Event(recipient).ForwardingHeaders.Keys, k => k.Equals("X-Forwarded-Ja4", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TheTrustedHeader_CountsForItsOwnRequest_NotTheNextOneOnTheConnection()
    {
        // A keep-alive balancer sends the next person's request on the same connection, without a JA4 of theirs.
        using var balancer = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, AllowAutoRedirect = false }) { BaseAddress = _host.Address };
        var (first, second) = ($"r-lb-first-{Guid.NewGuid():N}", $"r-lb-second-{Guid.NewGuid():N}");
        var tool = Clients.Browser($"/c/m-tls/{first}/l-1", Clients.NextAddress());
        tool.Headers.Add("X-Forwarded-Ja4", "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"); // curl's, under a Chrome User-Agent

        await balancer.SendAsync(tool);
        await balancer.SendAsync(Clients.Browser($"/c/m-tls/{second}/l-1", Clients.NextAddress()));

        Assert.Equal(ConnectionOf(await _host.Log.WaitForRequestAsync(first)), ConnectionOf(await _host.Log.WaitForRequestAsync(second)));
        Assert.Contains("tls.mismatch", ReasonsOf(first));
        Assert.DoesNotContain(ReasonsOf(second), r => r.StartsWith("tls.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMalformedJa4Header_IsIgnored()
    {
        var recipient = $"r-lb-bad-{Guid.NewGuid():N}";
        var request = Clients.Browser($"/c/m-tls/{recipient}/l-1", Clients.NextAddress());
        request.Headers.Add("X-Forwarded-Ja4", "not-a-ja4-fingerprint");

        await _host.Client.SendAsync(request);

        Assert.Equal("human", Event(recipient).Header("X-Bot-Verdict"));
        Assert.DoesNotContain("tls.mismatch", ReasonsOf(recipient));
    }

    private async Task<(string Output, string Recipient)> CurlAsync(string protocol, string? userAgent)
    {
        var recipient = $"r-curl-{Guid.NewGuid():N}";
        List<string> args = ["-sk", protocol, "-o", "/dev/null", "-w", "%{http_code} %{http_version}", new Uri(_https, $"/c/m-tls/{recipient}/l-1").ToString()];
        if (userAgent is not null)
        {
            args.AddRange(["-A", userAgent]);
        }

        var (exitCode, output) = await RunAsync("curl", [.. args]);
        Assert.True(exitCode == 0, output);
        Assert.StartsWith("302", output, StringComparison.Ordinal);
        return (output, recipient);
    }

    private OriginEvent Event(string recipient) => Assert.Single(_host.Ledger.Events, e => e.RecipientId == recipient);

    private string[] ReasonsOf(string recipient) => (Event(recipient).Header("X-Bot-Reasons") ?? "").Split(',');

    private static string ConnectionOf(Serilog.Events.LogEvent logged) => logged.Properties["ConnectionId"].ToString();

    private static async Task<(int ExitCode, string Output)> RunAsync(string executable, params string[] args)
    {
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{executable} not found: install it (apt-get install -y curl python3).");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (process.ExitCode, await stdout + await stderr);
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost, as PEM files Kestrel's configuration reads.</summary>
    private static (string Certificate, string Key) WriteSelfSignedCertificate(string folder)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(folder, "gateway.crt");
        var keyPath = Path.Combine(folder, "gateway.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
