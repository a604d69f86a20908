using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LinkGateway.Infrastructure;

namespace LinkGateway.Tls;

/// <summary>
/// HTTPS certificates chosen by SNI from LinkGateway:Tls:CertificateFolder, over real TLS handshakes to a real gateway: exact
/// and wildcard names, a name without a certificate (refused, logged once), a replaced file served without a restart, a
/// broken one that keeps the last good certificate, and an expired one named at load.
/// </summary>
public sealed class CertificateFolderTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-certs-");
    private readonly RecordingOrigin _origin = new();
    private GatewayHost _host = null!;
    private Uri _https = null!;
    private X509Certificate2 _acme = null!;
    private X509Certificate2 _wildcard = null!;

    public async Task InitializeAsync()
    {
        _acme = WritePair("links.acme.test", "links.acme.test");
        _wildcard = WriteCombined("esp-wildcard", "*.esp.test");
        WriteCombined("expired", "old.example.test", notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = _origin.Address.ToString(),
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Https:Url"] = "https://127.0.0.1:0",
            ["LinkGateway:Tls:CertificateFolder"] = _folder.FullName,
            ["LinkGateway:Hosts:*:ForwardHost"] = "true",
            ["LinkGateway:RateLimit:Enabled"] = "false",
        });
        _https = _host.Urls.Single(u => u.Scheme == Uri.UriSchemeHttps);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _origin.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData("links.acme.test", "acme")]
    [InlineData("LINKS.ACME.TEST", "acme")]
    [InlineData("click.esp.test", "wildcard")]
    [InlineData("customer-7.esp.test", "wildcard")]
    public async Task TheCertificateServed_IsTheOneWhoseSanNamesTheServerName(string serverName, string expected)
    {
        var served = await ServedAsync(serverName);

        Assert.Equal((expected == "acme" ? _acme : _wildcard).Thumbprint, served.Thumbprint);
    }

    [Theory]
    [InlineData("nothing.example.test")]
    [InlineData("a.b.esp.test")] // a wildcard covers one label (RFC 6125 §6.4.3)
    [InlineData("esp.test")]
    public async Task ANameWithoutACertificate_IsRefused_AndLoggedOncePerPeriod(string serverName)
    {
        await Assert.ThrowsAnyAsync<Exception>(() => ServedAsync(serverName));
        await Assert.ThrowsAnyAsync<Exception>(() => ServedAsync(serverName));

        var logged = await _host.Log.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("No TLS certificate for", StringComparison.Ordinal)
                                                       && e.Properties["ServerName"].ToString() == $"\"{serverName}\"");
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, logged.Level);
        Assert.Single(_host.Log.Events, e => e.MessageTemplate.Text.StartsWith("No TLS certificate for", StringComparison.Ordinal)
                                            && e.Properties["ServerName"].ToString() == $"\"{serverName}\"");
    }

    [Fact]
    public async Task AClientInventingANamePerHandshake_GetsAtMostTheCapOfLinesPerPeriod_PlusOne()
    {
        const int handshakes = 2 * SniCertificates.MaxMissLinesPerInterval;
        static bool IsMissLine(Serilog.Events.LogEvent e) => e.MessageTemplate.Text.StartsWith("No TLS certificate for", StringComparison.Ordinal);

        for (var i = 0; i < handshakes; i++)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ServedAsync($"n{i}.invalid"));
        }

        await _host.Log.WaitForAsync(e => IsMissLine(e) && e.Properties.ContainsKey("Lines"));
        Assert.InRange(_host.Log.Events.Count(IsMissLine), SniCertificates.MaxMissLinesPerInterval, SniCertificates.MaxMissLinesPerInterval + 1);
    }

    [Fact]
    public async Task ARequestOverHttps_ReachesTheOriginWithItsHost()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        using var client = ClientFor("customer-7.esp.test");

        var answer = await client.SendAsync(Clients.Browser($"https://customer-7.esp.test:{_https.Port}/c/m-1/{recipient}/l-1", Clients.NextAddress()));

        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        var seen = _origin.Single(recipient);
        Assert.Equal($"customer-7.esp.test:{_https.Port}", seen.Value("Host"));
        Assert.Equal("https", seen.Value("X-Forwarded-Proto"));
    }

    [Fact]
    public async Task AReplacedCertificate_IsServedWithoutARestart()
    {
        var renewed = WritePair("links.acme.test", "links.acme.test", key: null, atomically: true);

        // The folder watcher is the signal; the served certificate is polled until it changes, within a bound.
        var served = await PollAsync("links.acme.test", c => c.Thumbprint == renewed.Thumbprint);

        Assert.Equal(renewed.Thumbprint, served.Thumbprint);
        Assert.Equal(_wildcard.Thumbprint, (await ServedAsync("click.esp.test")).Thumbprint); // the others stay
    }

    [Fact]
    public async Task ANewCertificateFile_ServesItsNames()
    {
        var added = WriteCombined("shop", "click.shop.test", atomically: true);

        var served = await PollAsync("click.shop.test", c => c.Thumbprint == added.Thumbprint);

        Assert.Equal(added.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task ABrokenReplacement_KeepsTheLastGoodCertificate_AndTheLogSaysWhy()
    {
        var broken = Path.Combine(_folder.FullName, "esp-wildcard.pem.new");
        await File.WriteAllTextAsync(broken, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        File.Move(broken, Path.Combine(_folder.FullName, "esp-wildcard.pem"), overwrite: true);

        var logged = await _host.Log.WaitForAsync(e => e.MessageTemplate.Text.Contains("does not load, so its previous certificate stays", StringComparison.Ordinal));

        Assert.Equal("\"esp-wildcard.pem\"", logged.Properties["File"].ToString());
        Assert.Equal(_wildcard.Thumbprint, (await ServedAsync("click.esp.test")).Thumbprint);
    }

    [Fact]
    public void AnExpiredCertificate_IsNamedAtLoad()
    {
        var logged = Assert.Single(_host.Log.Events, e => e.MessageTemplate.Text.Contains("is not valid now", StringComparison.Ordinal));

        Assert.Equal(Serilog.Events.LogEventLevel.Warning, logged.Level);
        Assert.Equal("\"expired.pem\"", logged.Properties["File"].ToString());
    }

    [Fact]
    public async Task AChainInThePem_IsSentWithTheCertificate()
    {
        // A root, an intermediate it signs, and the leaf: the file holds the leaf and the intermediate, as ACME clients write them.
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateAuthority("CN=Test Root", rootKey, signer: null);
        using var issuer = CreateAuthority("CN=Test Intermediate", issuerKey, signer: root);
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=chain.test", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("chain.test");
        leafRequest.CertificateExtensions.Add(names.Build());
        using var leaf = leafRequest.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        Write(Path.Combine(_folder.FullName, "chain.key"), leafKey.ExportPkcs8PrivateKeyPem(), atomically: true);
        Write(Path.Combine(_folder.FullName, "chain.pem"), leaf.ExportCertificatePem() + "\n" + issuer.ExportCertificatePem(), atomically: true);
        await PollAsync("chain.test", c => c.Thumbprint == leaf.Thumbprint);

        // What the server sent besides its certificate reaches the client's validation as the chain's extra store.
        var sent = new List<string>();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_https.Host, _https.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "chain.test",
            RemoteCertificateValidationCallback = (_, _, chain, _) =>
            {
                sent.AddRange(chain!.ChainPolicy.ExtraStore.Select(c => c.Thumbprint));
                return true;
            },
        });

        Assert.Contains(issuer.Thumbprint, sent);
    }

    /// <summary>The certificate the gateway presents for <paramref name="serverName"/>, from a real TLS handshake.</summary>
    private async Task<X509Certificate2> ServedAsync(string serverName)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_https.Host, _https.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true, // the test certificates are self-signed
        });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    private async Task<X509Certificate2> PollAsync(string serverName, Func<X509Certificate2, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                var served = await ServedAsync(serverName);
                if (done(served) || DateTime.UtcNow > deadline)
                {
                    return served;
                }
            }
            catch (Exception) when (DateTime.UtcNow <= deadline)
            {
                // not served yet (a new name): ask again
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A client that connects to the gateway's HTTPS port whatever host the URL names, so the URL's host is the SNI and the Host.</summary>
    private HttpClient ClientFor(string host) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (_, cancel) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(_https.Host, _https.Port, cancel);
            return new NetworkStream(socket, ownsSocket: true);
        },
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    }) { BaseAddress = new Uri($"https://{host}:{_https.Port}") };

    private static X509Certificate2 CreateAuthority(string subject, ECDsa key, X509Certificate2? signer)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        // A certificate may not outlive its signer, whose end X.509 keeps to the second: a "now + 60 days" taken a moment
        // later crossed into the next second once (2026-11-30) and the intermediate could not be made.
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var until = signer is null ? DateTimeOffset.UtcNow.AddDays(60) : new DateTimeOffset(signer.NotAfter);
        if (signer is null)
        {
            return request.CreateSelfSigned(from, until);
        }

        using var signed = request.Create(signer, from, until, [5, 6, 7, 8]);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>NAME.pem and NAME.key, as lego and most ACME clients write them.</summary>
    private X509Certificate2 WritePair(string name, string dnsName, DateTimeOffset? notAfter = null, bool atomically = false, string? key = null)
    {
        var (certificate, keyPem) = Create(dnsName, notAfter);
        Write(Path.Combine(_folder.FullName, $"{name}.key"), key ?? keyPem, atomically);
        Write(Path.Combine(_folder.FullName, $"{name}.pem"), certificate.ExportCertificatePem(), atomically);
        return certificate;
    }

    /// <summary>One NAME.pem holding the certificate and its key (HAProxy's layout).</summary>
    private X509Certificate2 WriteCombined(string name, string dnsName, DateTimeOffset? notAfter = null, bool atomically = false)
    {
        var (certificate, keyPem) = Create(dnsName, notAfter);
        Write(Path.Combine(_folder.FullName, $"{name}.pem"), certificate.ExportCertificatePem() + "\n" + keyPem, atomically);
        return certificate;
    }

    private static void Write(string path, string text, bool atomically)
    {
        if (!atomically)
        {
            File.WriteAllText(path, text);
            return;
        }

        // As an ACME client's deploy step should: write beside it, then rename over it.
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static (X509Certificate2 Certificate, string KeyPem) Create(string dnsName, DateTimeOffset? notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        var until = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        var certificate = request.CreateSelfSigned(until.AddDays(-60), until);
        return (certificate, key.ExportPkcs8PrivateKeyPem());
    }
}
