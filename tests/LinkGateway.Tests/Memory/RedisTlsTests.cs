using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LinkGateway.Infrastructure;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The store over TLS, as managed Redis services offer it (and some require it): a real redis-server with a TLS port and a
/// certificate from a certificate authority made here, and the gateway's real entry point as a child process, which trusts
/// that authority only when its environment says so (<c>SSL_CERT_FILE</c>, read by .NET's certificate chain on Linux).
/// Both the gateway's connection (StackExchange.Redis) and the store probe's own (<see cref="RedisPing"/>) speak TLS.
/// </summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-redis-tls-");
    private readonly int _tlsPort = RedisServer.FreeLoopbackPort();
    private RedisServer? _redis;

    private string AuthorityFile => Path.Combine(_folder.FullName, "ca.pem");

    public async Task InitializeAsync()
    {
        WriteCertificates();
        // The plain port stays open for the fixture's readiness and for this test's own look at the keys.
        _redis = await RedisServer.StartAsync(local: true, extraArgs:
        [
            "--tls-port", _tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", Path.Combine(_folder.FullName, "server.pem"), "--tls-key-file", Path.Combine(_folder.FullName, "server.key"),
            "--tls-ca-cert-file", AuthorityFile, "--tls-auth-clients", "no",
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _folder.Delete(recursive: true); // the server's private key with it
    }

    [Fact]
    public async Task ARedisOverTls_WhoseCertificateTheGatewayTrusts_KeepsVerdictsStateful()
    {
        await using var origin = new RecordingOrigin();
        var prefix = $"lg:tls-{Guid.NewGuid():N}:";
        var (gateway, client) = await StartGatewayAsync(origin, prefix, trustAuthority: true);
        await using var _ = gateway;
        using var __ = client;

        var ready = await ReadyzAnswer.WaitAsync(client, r => r.Code == HttpStatusCode.OK && r.Status == "healthy", "healthy");
        using var response = await client.SendAsync(Clients.Browser("/c/m-tls/r-1/l-1", Clients.NextAddress()));

        Assert.Equal("healthy", ready.Store.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = origin.Single("/c/m-tls/r-1/l-1");
        Assert.Equal("human", forwarded.Value("X-Bot-Verdict"));
        Assert.Null(forwarded.Value("X-Bot-Degraded"));
        // What the click left in Redis went over TLS: read back on the plain port.
        await using var plain = await ConnectionMultiplexer.ConnectAsync(_redis!.Configuration);
        Assert.NotEmpty(plain.GetServer(plain.GetEndPoints()[0]).Keys(pattern: prefix + "*"));
    }

    [Fact]
    public async Task ARedisOverTls_WhoseCertificateTheGatewayDoesNotTrust_IsNamedInReadiness_AndClicksStillPass()
    {
        await using var origin = new RecordingOrigin();
        var (gateway, client) = await StartGatewayAsync(origin, $"lg:tls-{Guid.NewGuid():N}:", trustAuthority: false);
        await using var _ = gateway;
        using var __ = client;

        // "Reconnecting" alone would not tell an operator what to mend: the probe's own handshake says why.
        var ready = await ReadyzAnswer.WaitAsync(client, r => r.Code == HttpStatusCode.OK && r.StoreDescription?.Contains("certificate", StringComparison.Ordinal) == true,
            "the certificate, once warm");
        using var response = await client.SendAsync(Clients.Browser("/c/m-tls/r-2/l-1", Clients.NextAddress()));

        Assert.Equal((HttpStatusCode.OK, "degraded"), (ready.Code, ready.Status));
        Assert.Contains($"the probe: 127.0.0.1:{_tlsPort}: ", ready.StoreDescription, StringComparison.Ordinal);
        await gateway.WaitForOutputAsync("certificate");
        // Never fail: the click goes through, judged without memory, and says so.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("store-unavailable", origin.Single("/c/m-tls/r-2/l-1").Value("X-Bot-Degraded"));
    }

    // The probe makes the handshake the gateway's connection makes: a cluster announces its nodes by address, and the
    // certificate names the host of the configuration string; the configuration's own validation is asked (here it sees the
    // chain untrusted, as this test process does not trust the authority, and accepts only a certificate that names the host).
    [Fact]
    public void TheProbe_FollowsTheConnectionsTlsSettings_TheConfiguredHostForAnAddress_AndTheValidation()
    {
        var options = ConfigurationOptions.Parse($"localhost:{_tlsPort},ssl=true");
        var seen = new List<System.Net.Security.SslPolicyErrors>();
        options.CertificateValidation += (_, _, _, errors) =>
        {
            lock (seen)
            {
                seen.Add(errors);
            }

            return (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == System.Net.Security.SslPolicyErrors.None;
        };
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, _tlsPort), options);

        var (roundTrip, problem) = ping.Ping(TimeSpan.FromSeconds(5));

        Assert.True(roundTrip is not null, problem);
        Assert.NotEmpty(seen);
    }

    private async Task<(RunningGateway Gateway, HttpClient Client)> StartGatewayAsync(RecordingOrigin origin, string prefix, bool trustAuthority)
    {
        var port = RedisServer.FreeLoopbackPort();
        var start = GatewayProcess.StartInfo("--config", RepoFiles.ConfigFile, "--urls", $"http://127.0.0.1:{port}",
            $"--LinkGateway:Redis:Configuration=127.0.0.1:{_tlsPort},ssl=true,sslHost=localhost,connectTimeout=1000",
            $"--LinkGateway:Redis:KeyPrefix={prefix}", "--LinkGateway:Redis:WaitAtStart=00:00:02",
            $"--ReverseProxy:Clusters:origin:Destinations:primary:Address={origin.Address}",
            $"--LinkGateway:Signing:Key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            $"--LinkGateway:Shield:KeyRingPath={Path.Combine(_folder.FullName, $"keys-{port}")}");
        if (trustAuthority)
        {
            start.Environment["SSL_CERT_FILE"] = AuthorityFile;
        }

        var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")], start);
        return (gateway, new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    /// <summary>A certificate authority, and a certificate it signed for localhost and 127.0.0.1, as PEM files.</summary>
    private void WriteCertificates()
    {
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=LinkGateway test authority", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        using var server = serverRequest.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(AuthorityFile, authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder.FullName, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder.FullName, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
    }
}
