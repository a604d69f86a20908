using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using LinkGateway.Infrastructure;

namespace LinkGateway.Forwarding;

/// <summary>
/// What a client may pass to the origin, read from the raw heads an origin receives: no spelling of an X-Bot-* name,
/// no client-address or path-override header, and X-Forwarded-* only from a trusted proxy (loopback here; a peer on
/// the machine's own network address is not one).
/// </summary>
public sealed class HeaderHygieneTests : IAsyncLifetime
{
    private static readonly string[] _forbidden =
    [
        "X_Bot_Score: 0", "X_Bot_Verdict: human", "x-bot-reasons: pass.human", "X-BOT_SIGNATURE: v1=forged",
        "X-Real-IP: 203.0.113.1", "X_Real_IP: 203.0.113.2", "True-Client-IP: 203.0.113.3", "CF-Connecting-IP: 203.0.113.4",
        "Fastly-Client-IP: 203.0.113.5", "X-Client-IP: 203.0.113.6", "X-Cluster-Client-IP: 203.0.113.7", "Forwarded: for=203.0.113.8;host=evil.example",
        "True_Client_IP: 203.0.113.9", "X-Original-URL: /u/m-1/r-1", "X-Rewrite-URL: /u/m-1/r-1", "X-Original-For: 203.0.113.10",
        "X_Forwarded_For: 203.0.113.11", "X_Forwarded_Host: evil.example", "X-Forwarded_Proto: https",
        "Client-IP: 203.0.113.12", "X-Originating-IP: 203.0.113.13", "X-Remote-IP: 203.0.113.14", "X-Remote-Addr: 203.0.113.15",
        "X-ProxyUser-Ip: 203.0.113.16", "X-Envoy-External-Address: 203.0.113.17", "X-Azure-ClientIP: 203.0.113.18",
        "X-Azure-SocketIP: 203.0.113.19", "Akamai-Client-IP: 203.0.113.20", "X-Host: evil.example", "X-Forwarded-Server: evil.example",
        "Front-End-Https: on", "X-Url-Scheme: https", "X-HTTP-Method-Override: POST", "X-Method-Override: DELETE", "X-HTTP-Method: PUT",
        "x_http_method_override: POST", "X-Forwarded: for=203.0.113.21", "Forwarded-For: 203.0.113.22",
    ];

    // What the gateway itself sets at the origin (YARP, from its own view of the request): checked by value below.
    private static readonly string[] _setByTheGateway = ["X-FORWARDED-FOR", "X-FORWARDED-PROTO", "X-FORWARDED-HOST"];

    private readonly RecordingOrigin _origin = new();
    private readonly IPAddress _ownNetworkAddress = NonLoopbackAddress();
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = _origin.Address.ToString(),
        ["Kestrel:Endpoints:Loopback:Url"] = "http://127.0.0.1:0",
        ["Kestrel:Endpoints:Network:Url"] = $"http://{_ownNetworkAddress}:0",
        ["LinkGateway:RateLimit:Enabled"] = "false",
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SpoofedVerdicts_AddressesAndPathOverrides_NeverReachTheOrigin(bool fromTrustedProxy)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(fromTrustedProxy, recipient, [.. _forbidden, "X-Forwarded-For: 198.51.100.20"]);

        var seen = _origin.Single(recipient);
        Assert.DoesNotContain(seen.HeaderNames, n => n.Contains('_', StringComparison.Ordinal)); // the gateway's own names have none
        var names = seen.HeaderNames.Select(n => n.ToUpperInvariant()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count()); // each X-Bot-* once: the gateway's
        var others = _forbidden.Select(h => h[..h.IndexOf(':', StringComparison.Ordinal)].Replace('_', '-').ToUpperInvariant())
            .Where(n => !n.StartsWith("X-BOT-", StringComparison.Ordinal) && !_setByTheGateway.Contains(n)); // the gateway's own names, checked above and below
        Assert.Empty(names.Intersect(others));
        Assert.Equal("links.example", seen.Value("X-Forwarded-Host"));

        Assert.DoesNotContain("pass.human", seen.Value("X-Bot-Reasons"));
        Assert.Equal(fromTrustedProxy ? "198.51.100.20" : _ownNetworkAddress.ToString(), seen.Value("X-Forwarded-For"));
    }

    [Fact]
    public async Task ForwardedHostProtoPrefixAndPort_FromAClient_AreNotPassedOn()
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(fromTrustedProxy: false, recipient,
            ["X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https", "X-Forwarded-Prefix: /evil", "X-Forwarded-Port: 443", "X-Forwarded-Server: evil.example"]);

        var seen = _origin.Single(recipient);
        Assert.Equal(("links.example", "http"), (seen.Value("X-Forwarded-Host"), seen.Value("X-Forwarded-Proto")));
        Assert.Empty(seen.Values("X-Forwarded-Prefix"));
        Assert.Empty(seen.Values("X-Forwarded-Port"));
        Assert.Empty(seen.Values("X-Forwarded-Server"));
    }

    /// <summary>
    /// RFC 9110 §7.6.1: a header the client names in Connection is for the next hop only, never the origin; the gateway's
    /// own are added after. HTTP/1.0, whose connection closes without "close": Kestrel keeps a Connection value as sent
    /// unless it holds exactly one of close, keep-alive or upgrade (docs/reference/header-contract.md).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HeadersTheClientNamesInConnection_AreNotPassedOn_ButTheGatewaysOwnHeadersAre(bool fromTrustedProxy)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(fromTrustedProxy, recipient,
            ["Connection: X-Hop-Secret, x-bot-verdict", "Connection: X-Bot-Signature,X-Forwarded-Host,  Cookie ,X-Forwarded-For", "X-Hop-Secret: 1",
             "Cookie: session=1", "X-Kept: 1"], version: "HTTP/1.0");

        var seen = _origin.Single(recipient);
        Assert.Empty(seen.Values("X-Hop-Secret"));
        Assert.Empty(seen.Values("Cookie"));
        Assert.Equal("1", seen.Value("X-Kept"));
        Assert.Equal("links.example", seen.Value("X-Forwarded-Host"));
        Assert.NotNull(seen.Value("X-Forwarded-For"));
        Assert.Contains(seen.Value("X-Bot-Verdict"), new[] { "human", "suspect", "bot" });
        Assert.StartsWith("v1=", seen.Value("X-Bot-Signature"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATrustedProxy_StillSaysTheScheme()
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(fromTrustedProxy: true, recipient, ["X-Forwarded-Proto: https", "X-Forwarded-For: 198.51.100.21"]);

        Assert.Equal("https", _origin.Single(recipient).Value("X-Forwarded-Proto"));
    }

    /// <summary>
    /// The gateway keeps no traces (no per-request Activity, GatewayApp): it makes up no trace context of its own for the
    /// origin, and a client's reaches the origin as the client sent it — a claim, like any header it sends.
    /// </summary>
    [Fact]
    public async Task TraceContext_IsTheClientsOrNone()
    {
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var withContext = $"r-{Guid.NewGuid():N}";
        var without = $"r-{Guid.NewGuid():N}";

        await SendAsync(fromTrustedProxy: true, withContext, [$"traceparent: {parent}", "tracestate: congo=t61rcWkgMzE"]);
        await SendAsync(fromTrustedProxy: true, without, []);

        Assert.Equal((parent, "congo=t61rcWkgMzE"), (_origin.Single(withContext).Value("traceparent"), _origin.Single(withContext).Value("tracestate")));
        Assert.Empty(_origin.Single(without).Values("traceparent"));
    }

    /// <param name="version">HTTP/1.1 asks to close; HTTP/1.0 closes by default.</param>
    private async Task SendAsync(bool fromTrustedProxy, string recipient, IEnumerable<string> headers, string version = "HTTP/1.1")
    {
        var gateway = fromTrustedProxy ? _host.Urls.Single(u => u.Host == "127.0.0.1") : _host.Urls.Single(u => u.Host == _ownNetworkAddress.ToString());
        var answer = await RawHttp.SendAsync(gateway,
            $"GET /c/m-hygiene/{recipient}/l-1 {version}\r\nHost: links.example\r\nUser-Agent: {Clients.ChromeUserAgent}\r\nAccept: text/html\r\n"
            + string.Concat(headers.Select(h => h + "\r\n")) + (version == "HTTP/1.1" ? "Connection: close\r\n" : "") + "\r\n");
        Assert.Equal(200, RawHttp.StatusOf(answer));
    }

    /// <summary>An IPv4 address of this machine that is not loopback: a peer connecting from it is no trusted proxy.</summary>
    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("The header tests need a non-loopback IPv4 address on this machine (an untrusted peer); none is up.");
}
