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

    private const string ClientCertificatePassword = "test-only";

    private string AuthorityFile => Path.Combine(_folder.FullName, "ca.pem");

    private string ClientCertificateFile => Path.Combine(_folder.FullName, "client.pfx");

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

        var forwarded = await AssertStatefulAsync(client, origin, "/c/m-tls/r-1/l-1", _redis!.Configuration, prefix);
        Assert.Equal("human", forwarded.Value("X-Bot-Verdict"));
    }

    [Fact]
    public async Task ARedisOverTls_WhoseCertificateTheGatewayDoesNotTrust_IsNamedInReadiness_AndClicksStillPass()
    {
        await using var origin = new RecordingOrigin();
        var (gateway, client) = await StartGatewayAsync(origin, $"lg:tls-{Guid.NewGuid():N}:", trustAuthority: false);
        await using var _ = gateway;
        using var __ = client;

        // "Reconnecting" alone would not tell an operator what to mend: the probe's own handshake says why.
        await AssertRefusedAsync(client, origin, _tlsPort, "/c/m-tls/r-2/l-1", "certificate");
        await gateway.WaitForOutputAsync("certificate");
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

    // A Redis that asks every client for a certificate (tls-auth-clients yes), as some private deployments do. The gateway
    // has no setting of its own for it: StackExchange.Redis reads a client certificate (SERedis_ClientCertPfxPath, with
    // SERedis_ClientCertPassword) and an authority to trust (SERedis_IssuerCertPath) from the environment, and the probe's
    // own connection must present and trust the same, or the probe would call a store the gateway uses "away".
    [Fact]
    public async Task ARedisThatAsksForAClientCertificate_GetsTheOneTheEnvironmentNames_OnTheConnectionAndTheProbe()
    {
        var tlsPort = RedisServer.FreeLoopbackPort();
        await using var redis = await StartRedisAskingForClientCertificatesAsync(tlsPort);
        await using var origin = new RecordingOrigin();
        var prefix = $"lg:mtls-{Guid.NewGuid():N}:";
        var (gateway, client) = await StartGatewayAsync(origin, prefix, tlsPort, new()
        {
            ["SERedis_ClientCertPfxPath"] = ClientCertificateFile,
            ["SERedis_ClientCertPassword"] = ClientCertificatePassword,
            ["SERedis_IssuerCertPath"] = AuthorityFile, // trusted through StackExchange.Redis alone: no SSL_CERT_FILE
        });
        await using var _ = gateway;
        using var __ = client;

        await AssertStatefulAsync(client, origin, "/c/m-mtls/r-1/l-1", redis.Configuration, prefix);
    }

    [Fact]
    public async Task ARedisThatAsksForAClientCertificate_WhenTheGatewayHasNone_IsDegraded_AndClicksStillPass()
    {
        var tlsPort = RedisServer.FreeLoopbackPort();
        await using var redis = await StartRedisAskingForClientCertificatesAsync(tlsPort);
        await using var origin = new RecordingOrigin();
        var (gateway, client) = await StartGatewayAsync(origin, $"lg:mtls-{Guid.NewGuid():N}:", tlsPort, new() { ["SSL_CERT_FILE"] = AuthorityFile });
        await using var _ = gateway;
        using var __ = client;

        // A reset after the handshake says nothing by itself: the probe says what it likely means.
        await AssertRefusedAsync(client, origin, tlsPort, "/c/m-mtls/r-2/l-1", "a Redis that asks for a client certificate");
    }

    // Once healthy, a click is forwarded stateful, and what it left in Redis (over TLS) is read back on the plain port.
    private static async Task<RecordedRequest> AssertStatefulAsync(HttpClient client, RecordingOrigin origin, string path, string plainRedis, string prefix)
    {
        var ready = await ReadyzAnswer.WaitAsync(client, r => r.Code == HttpStatusCode.OK && r.Status == "healthy", "healthy");
        using var response = await client.SendAsync(Clients.Browser(path, Clients.NextAddress()));

        Assert.Equal("healthy", ready.Store.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = origin.Single(path);
        Assert.Null(forwarded.Value("X-Bot-Degraded"));
        await using var plain = await ConnectionMultiplexer.ConnectAsync(plainRedis);
        Assert.NotEmpty(plain.GetServer(plain.GetEndPoints()[0]).Keys(pattern: prefix + "*"));
        return forwarded;
    }

    /// <summary>
    /// A Redis that refuses the gateway's TLS connection: <c>/readyz</c> says degraded and names the probe's problem, which
    /// holds <paramref name="why"/>; and never fail: a person's click at <paramref name="path"/> goes through, judged without
    /// memory, and says so.
    /// </summary>
    private static async Task AssertRefusedAsync(HttpClient client, RecordingOrigin origin, int tlsPort, string path, string why)
    {
        var ready = await ReadyzAnswer.WaitAsync(client, r => r.Code == HttpStatusCode.OK && r.StoreDescription?.Contains(why, StringComparison.Ordinal) == true,
            $"\"{why}\", once warm");
        using var response = await client.SendAsync(Clients.Browser(path, Clients.NextAddress()));

        Assert.Equal((HttpStatusCode.OK, "degraded"), (ready.Code, ready.Status));
        Assert.Contains($"the probe: 127.0.0.1:{tlsPort}: ", ready.StoreDescription, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("store-unavailable", origin.Single(path).Value("X-Bot-Degraded"));
    }

    // A TLS proxy whose Redis is away ends the connection right after the handshake too, asking for no certificate: the
    // probe cannot tell the two apart and says so; a gateway that has a client certificate to give is not told to get one.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AConnectionEndedRightAfterTheHandshake_MentionsClientCertificates_OnlyWhenTheGatewayHasNone(bool hasClientCertificate)
    {
        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(_folder.FullName, "server.pem"), Path.Combine(_folder.FullName, "server.key"));
        using var clientCertificate = X509CertificateLoader.LoadPkcs12FromFile(ClientCertificateFile, ClientCertificatePassword);
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var proxy = Task.Run(async () =>
            {
                using var connection = await listener.AcceptTcpClientAsync();
                await using var tls = new System.Net.Security.SslStream(connection.GetStream());
                await tls.AuthenticateAsServerAsync(certificate, clientCertificateRequired: false, System.Security.Authentication.SslProtocols.None, checkCertificateRevocation: false);
            }); // and closes: nothing behind it
            var options = ConfigurationOptions.Parse("localhost,ssl=true");
            options.CertificateValidation += (_, _, _, _) => true;
            if (hasClientCertificate)
            {
                options.CertificateSelection += (_, _, _, _, _) => clientCertificate;
            }

            using var ping = new RedisPing((IPEndPoint)listener.LocalEndpoint, options);

            var (roundTrip, problem) = ping.Ping(TimeSpan.FromSeconds(5));
            await proxy;

            Assert.Null(roundTrip);
            Assert.Equal(!hasClientCertificate, problem!.Contains("client certificate", StringComparison.Ordinal));
        }
        finally
        {
            listener.Stop();
        }
    }

    private Task<RedisServer> StartRedisAskingForClientCertificatesAsync(int tlsPort) =>
        RedisServer.StartAsync(local: true, extraArgs:
        [
            "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", Path.Combine(_folder.FullName, "server.pem"), "--tls-key-file", Path.Combine(_folder.FullName, "server.key"),
            "--tls-ca-cert-file", AuthorityFile, "--tls-auth-clients", "yes",
        ]);

    private Task<(RunningGateway Gateway, HttpClient Client)> StartGatewayAsync(RecordingOrigin origin, string prefix, bool trustAuthority) =>
        StartGatewayAsync(origin, prefix, _tlsPort, trustAuthority ? new() { ["SSL_CERT_FILE"] = AuthorityFile } : []);

    private async Task<(RunningGateway Gateway, HttpClient Client)> StartGatewayAsync(RecordingOrigin origin, string prefix, int tlsPort,
        Dictionary<string, string> environment)
    {
        var port = RedisServer.FreeLoopbackPort();
        var start = GatewayProcess.StartInfo("--config", RepoFiles.ConfigFile, "--urls", $"http://127.0.0.1:{port}",
            $"--LinkGateway:Redis:Configuration=127.0.0.1:{tlsPort},ssl=true,sslHost=localhost,connectTimeout=1000",
            $"--LinkGateway:Redis:KeyPrefix={prefix}", "--LinkGateway:Redis:WaitAtStart=00:00:02",
            $"--ReverseProxy:Clusters:origin:Destinations:primary:Address={origin.Address}",
            $"--LinkGateway:Signing:Key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            $"--LinkGateway:Shield:KeyRingPath={Path.Combine(_folder.FullName, $"keys-{port}")}");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")], start);
        return (gateway, new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    /// <summary>
    /// A certificate authority, a certificate it signed for localhost and 127.0.0.1 (PEM files), and one it signed for a
    /// client (a PFX with its key).
    /// </summary>
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

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=LinkGateway test client", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false)); // client authentication
        using var clientCertificate = clientRequest.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-30), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
        using var clientWithKey = clientCertificate.CopyWithPrivateKey(clientKey);
        File.WriteAllBytes(ClientCertificateFile, clientWithKey.Export(X509ContentType.Pfx, ClientCertificatePassword));

        File.WriteAllText(AuthorityFile, authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder.FullName, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder.FullName, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());
    }
}
