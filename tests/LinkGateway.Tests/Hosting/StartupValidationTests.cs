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
    [InlineData("LinkGateway:Memory:InProcessMaxBytes", "1000", "LinkGateway:Memory:InProcessMaxBytes: 1000 is outside 1048576..1099511627776")]
    [InlineData("LinkGateway:Admin:Urls", "http://127.0.0.1:9090", "LinkGateway:Admin:Token: needs at least 32 characters")]
    [InlineData("LinkGateway:Signing:Key", "", "LinkGateway:Signing:Key: missing")]
    [InlineData("LinkGateway:Signing:Key", "AQID", "LinkGateway:Signing:Key: too short: 3 bytes")]
    [InlineData("LinkGateway:Signing:Key", "AAECAwQFBgcICQoLDA0ODw==", "LinkGateway:Signing:Key: too short: 16 bytes")]
    [InlineData("LinkGateway:Signing:Key", "***", "LinkGateway:Signing:Key: not base64")]
    [InlineData("LinkGateway:Signing:Key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "LinkGateway:Signing:Key: not base64")] // unpadded
    [InlineData("LinkGateway:Signing:Key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-_", "LinkGateway:Signing:Key: not base64")] // base64url
    // 32 bytes as 64 hex digits would also decode as base64 (of 48 other bytes): refused, saying to use base64.
    [InlineData("LinkGateway:Signing:Key", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "LinkGateway:Signing:Key: hex digits, not base64: give the same bytes as base64")]
    [InlineData("LinkGateway:Signing:Key", "000102030405060708090A0B0C0D0E0F", "LinkGateway:Signing:Key: hex digits, not base64")]
    [InlineData("LinkGateway:Thresholds:Bot", "40", "LinkGateway:Thresholds:Bot: 40 must be between the suspect threshold (50) and 100")]
    [InlineData("LinkGateway:Thresholds:Suspect", "abc", "LinkGateway:Thresholds:Suspect: \"abc\" is not a whole number")]
    [InlineData("LinkGateway:Weights:ua.nope", "0.5", "LinkGateway:Weights:ua.nope: unknown reason code (valid here: ")]
    [InlineData("LinkGateway:Weights:ua.libary", "0.5", "LinkGateway:Weights:ua.libary: unknown reason code (did you mean ua.library?)")]
    [InlineData("LinkGateway:Weights:ua.library", "1.5", "LinkGateway:Weights:ua.library: 1.5 is outside 0..1")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "10.0.0.1/8", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"10.0.0.1/8\" is not a CIDR network")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "0.0.0.0/0", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"0.0.0.0/0\" is wider than a balancer's network")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "128.0.0.0/1", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"128.0.0.0/1\" is wider than a balancer's network")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "::ffff:0:0/96", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"::ffff:0:0/96\" is wider than a balancer's network")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownNetworks:0", "8000::/1", "LinkGateway:ForwardedHeaders:KnownNetworks:0: \"8000::/1\" is wider than a balancer's network")]
    [InlineData("LinkGateway:Redis:MaxWait", "10ms", "LinkGateway:Redis:MaxWait: 10 ms is shorter than Redis:Budget (20 ms)")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownProxies:0", "proxy.local", "LinkGateway:ForwardedHeaders:KnownProxies:0: \"proxy.local\" is not an IP address")]
    [InlineData("LinkGateway:Redis:Budget", "-00:00:01", "LinkGateway:Redis:Budget: -00:00:01 is outside 1ms..5s")]
    [InlineData("LinkGateway:Redis:Budget", "20", "LinkGateway:Redis:Budget: \"20\" needs a unit (hh:mm:ss[.fff], d.hh:mm:ss, or a number with a unit: 20ms, 5s, 2m, 1h, 1d); allowed 1ms..5s")]
    [InlineData("LinkGateway:Redis:Budget", "20d", "LinkGateway:Redis:Budget: 20d is outside 1ms..5s")]
    [InlineData("LinkGateway:Memory:TagTtl", "10s", "LinkGateway:Memory:TagTtl: 10s is outside 1m..30d")]
    [InlineData("LinkGateway:Behaviour:FanoutWindow", "soon", "LinkGateway:Behaviour:FanoutWindow: \"soon\" is not a duration")]
    [InlineData("LinkGateway:Behaviour:BurstLinksThreshold", "1", "LinkGateway:Behaviour:BurstLinksThreshold: 1 is outside 2..1000")]
    [InlineData("LinkGateway:Behaviour:BurstLinkWindow", "00:00:03", "LinkGateway:Behaviour:BurstLinkWindow: unknown key (did you mean BurstLinksWindow?)")]
    [InlineData("LinkGateway:Behaviour:DeliveryWindow", "30s", "LinkGateway:Behaviour:DeliveryWindow: 30s is outside 1m..7d")]
    [InlineData("LinkGateway:Behaviour:BurstDomainAfterSend", "00:15:00", "LinkGateway:Behaviour:BurstDomainAfterSend: unknown key")] // renamed DeliveryWindow: an old file stops, naming the key
    [InlineData("LinkGateway:Redis:Budgett", "20ms", "LinkGateway:Redis:Budgett: unknown key (did you mean Budget?)")]
    [InlineData("LinkGateway:Tresholds:Bot", "90", "LinkGateway:Tresholds: unknown key (did you mean Thresholds?)")]
    [InlineData("LinkGateway:Colour", "blue", "LinkGateway:Colour: unknown key (valid here: Admin, Behaviour, Brands, FoldBack, ForwardedHeaders, Hosts, Identities, Identity, Memory, Mode, RateLimit, Redis, Shield, Signatures, Signing, Thresholds, Timing, Tls, Weights)")]
    [InlineData("LinkGateway:ForwardedHeaders:KnownProxies:first", "10.0.0.1", "LinkGateway:ForwardedHeaders:KnownProxies:first: unknown key (KnownProxies is a list")]
    [InlineData("LinkGateway:Redis", "localhost:6379", "LinkGateway:Redis: expects a section (keys: Configuration, KeyPrefix, Budget")]
    [InlineData("LinkGateway:Mode", "shadow", "LinkGateway:Mode: \"shadow\" is not allowed (allowed: enforce, observe)")]
    [InlineData("LinkGateway:Mode", "1", "LinkGateway:Mode: \"1\" is not allowed (allowed: enforce, observe)")]
    [InlineData("LinkGateway:RateLimit:Enabled", "yes", "LinkGateway:RateLimit:Enabled: \"yes\" is not allowed (allowed: true, false)")]
    [InlineData("LinkGateway:Weights:ua.library", "high", "LinkGateway:Weights:ua.library: \"high\" is not a number")]
    [InlineData("ReverseProxy:Routes:unsubscribe:Metadata:Sheild", "always", "ReverseProxy:Routes:unsubscribe:Metadata:Sheild: unknown key (did you mean Shield?)")]
    [InlineData("ReverseProxy:Routes:click:Metadata:OnBott", "forward", "ReverseProxy:Routes:click:Metadata:OnBott: unknown key (did you mean OnBot?)")]
    [InlineData("ReverseProxy:Routes:click:ClusterId", "orgin", "ReverseProxy:Routes:click:ClusterId: \"orgin\" names no cluster in ReverseProxy:Clusters (did you mean origin?)")]
    // 0 (or a millisecond) failed every link with 504 at once, -1 with 500, while /readyz said healthy.
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "0", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: 00:00:00 is outside 00:00:01..00:10:00")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "00:00:00.001", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: 00:00:00.0010000 is outside 00:00:01..00:10:00")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "-1", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: -1.00:00:00 is outside 00:00:01..00:10:00")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "banana", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: \"banana\" is not a duration")]
    // What .NET reads but YARP does not (it reads the constant format): named here, not "Unable to load or apply".
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "0:00:00:30", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: \"0:00:00:30\" is not a duration as YARP reads it")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: \"\" is not a duration as YARP reads it")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "24:00:00", "ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout: \"24:00:00\" is not a duration as YARP reads it")]
    // Values YARP converts as it reads them: one it cannot stopped start-up with "Unable to load or apply the proxy
    // configuration." naming no key.
    [InlineData("ReverseProxy:Routes:click:RouteId", "click", "ReverseProxy:Routes:click:RouteId: \"click\" is not a key of its own")]
    [InlineData("ReverseProxy:Routes:click:Order", "first", "ReverseProxy:Routes:click:Order: \"first\" is not a whole number")]
    [InlineData("ReverseProxy:Routes:click:MaxRequestBodySize", "1MB", "ReverseProxy:Routes:click:MaxRequestBodySize: \"1MB\" is not a whole number")]
    [InlineData("ReverseProxy:Routes:click:Timeout", "30s", "ReverseProxy:Routes:click:Timeout: \"30s\" is not a duration as YARP reads it")]
    [InlineData("ReverseProxy:Routes:click:Match:Headers:0:Mode", "Exactly", "ReverseProxy:Routes:click:Match:Headers:0:Mode: \"Exactly\" is not one of ExactHeader, HeaderPrefix")]
    [InlineData("ReverseProxy:Routes:click:Match:QueryParameters:0:IsCaseSensitive", "yes", "ReverseProxy:Routes:click:Match:QueryParameters:0:IsCaseSensitive: \"yes\" is not true or false")]
    [InlineData("ReverseProxy:Clusters:origin:HttpClient:SslProtocols:0", "Tls14", "ReverseProxy:Clusters:origin:HttpClient:SslProtocols:0: \"Tls14\" is not one of ")]
    [InlineData("ReverseProxy:Clusters:origin:HttpClient:MaxConnectionsPerServer", "many", "ReverseProxy:Clusters:origin:HttpClient:MaxConnectionsPerServer: \"many\" is not a whole number")]
    [InlineData("ReverseProxy:Clusters:origin:HttpClient:WebProxy:Address", "", "ReverseProxy:Clusters:origin:HttpClient:WebProxy:Address: \"\" is not an absolute URL")]
    [InlineData("ReverseProxy:Clusters:origin:HealthCheck:Active:Interval", "10s", "ReverseProxy:Clusters:origin:HealthCheck:Active:Interval: \"10s\" is not a duration as YARP reads it")]
    [InlineData("ReverseProxy:Clusters:origin:SessionAffinity:Cookie:SameSite", "Relaxed", "ReverseProxy:Clusters:origin:SessionAffinity:Cookie:SameSite: \"Relaxed\" is not one of None, Lax, Strict, Unspecified")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:Version", "two", "ReverseProxy:Clusters:origin:HttpRequest:Version: \"two\" is not an HTTP version")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:VersionPolicy", "Newest", "ReverseProxy:Clusters:origin:HttpRequest:VersionPolicy: \"Newest\" is not one of RequestVersionOrLower, RequestVersionOrHigher, RequestVersionExact")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:AllowResponseBuffering", "1", "ReverseProxy:Clusters:origin:HttpRequest:AllowResponseBuffering: \"1\" is not true or false")]
    // A section misspelt at the top was not read at all: defaults, or no routes.
    [InlineData("LinkGatway:Mode", "observe", "LinkGatway: unknown section (did you mean LinkGateway?)")]
    [InlineData("reverseproxi:Routes:extra:ClusterId", "origin", "reverseproxi: unknown section (did you mean ReverseProxy?)")]
    [InlineData("ReverseProxy:Routes:click:ClusterId", "", "ReverseProxy:Routes:click:ClusterId: missing")]
    [InlineData("ReverseProxy:Clusters:origin:Destinations:primary:Address", "origin:8080", "ReverseProxy:Clusters:origin:Destinations:primary:Address: \"origin:8080\" is not an absolute http:// or https:// URL")]
    [InlineData("ReverseProxy:Clusters:origin:Destinations:primary:Address", "/relative", "ReverseProxy:Clusters:origin:Destinations:primary:Address: \"/relative\" is not an absolute http:// or https:// URL")]
    [InlineData("ReverseProxy:Clusters:spare:LoadBalancingPolicy", "RoundRobin", "ReverseProxy:Clusters:spare:Destinations: none")]
    [InlineData("LinkGateway:Signatures:Path", "no-such-folder", "LinkGateway:Signatures:Path: ")]
    [InlineData("LinkGateway:Admin:Urls", "notaurl", "LinkGateway:Admin:Urls: \"notaurl\" is not an http:// or https:// address with a port")]
    [InlineData("LinkGateway:Admin:Urls", "http://admin.internal:9090", "LinkGateway:Admin:Urls: \"http://admin.internal:9090\" has host \"admin.internal\", which is not an IP address; Kestrel would listen on every interface")]
    [InlineData("LinkGateway:Admin:Urls", "http://127.0.0.1:9090/admin", "LinkGateway:Admin:Urls: \"http://127.0.0.1:9090/admin\" has a path")]
    [InlineData("LinkGateway:Admin:Urls", "http://127.0.0.1", "LinkGateway:Admin:Urls: \"http://127.0.0.1\" has no port")]
    [InlineData("urls", "http://127.0.0.300:8080", "--urls (or ASPNETCORE_URLS): \"http://127.0.0.300:8080\" has host \"127.0.0.300\", which is not an IP address")]
    [InlineData("Kestrel:Endpoints:main:Url", "http://[::1]:70000", "Kestrel:Endpoints:main:Url: \"http://[::1]:70000\" has port 70000, not one from 0 to 65535")]
    [InlineData("LinkGateway:Redis:Configuration", "127.0.0.1:notaport", "LinkGateway:Redis:Configuration: names no host:port")]
    [InlineData("LinkGateway:Redis:Configuration", "127.0.0.1:6379,tunnel=bogus", "LinkGateway:Redis:Configuration: ")] // a UriFormatException
    [InlineData("LinkGateway:FoldBack:Webhook:Url", "ftp://analytics.example/foldback", "LinkGateway:FoldBack:Webhook:Url: \"ftp://analytics.example/foldback\" is not an absolute http or https URL")]
    [InlineData("LinkGateway:FoldBack:Webhook:Url", "/foldback", "LinkGateway:FoldBack:Webhook:Url: \"/foldback\" is not an absolute http or https URL")]
    [InlineData("LinkGateway:FoldBack:Webhook:Url", "https://user:secret@analytics.example/foldback", "LinkGateway:FoldBack:Webhook:Url: must not carry a user name or password")]
    [InlineData("LinkGateway:FoldBack:Webhook:MaxAttempts", "0", "LinkGateway:FoldBack:Webhook:MaxAttempts: 0 is outside 1..10000")]
    [InlineData("LinkGateway:FoldBack:Webhook:Timeout", "10", "LinkGateway:FoldBack:Webhook:Timeout: \"10\" needs a unit")]
    [InlineData("LinkGateway:FoldBack:Webhook:Urll", "https://analytics.example/foldback", "LinkGateway:FoldBack:Webhook:Urll: unknown key (did you mean Url?)")]
    [InlineData("ReverseProxy:Routes:click:Metadata:Identity", "opaque", "ReverseProxy:Routes:click:Metadata:Identity: \"opaque\" names no layout in LinkGateway:Identities (there is none)")]
    [InlineData("LinkGateway:Identity:Pattern", "(", "LinkGateway:Identity:Pattern: not a regular expression")]
    [InlineData("LinkGateway:Identity:Pattern", "^/c/([^/]+)", "LinkGateway:Identity:Pattern: has no named group")]
    [InlineData("LinkGateway:Identity:TokenFormat", "jwt", "LinkGateway:Identity:TokenFormat: set without LinkGateway:Identity:Token")]
    [InlineData("LinkGateway:Identity:TokenFormat", "protobuf", "LinkGateway:Identity:TokenFormat: \"protobuf\" is not allowed (allowed: json, jwt, text)")]
    [InlineData("LinkGateway:Identity:SentAtFallback", "first-click", "LinkGateway:Identity:SentAtFallback: \"first-click\" is not allowed (allowed: none, first-seen)")]
    [InlineData("LinkGateway:Identity:MessageId", "", "LinkGateway:Identity:MessageId: must name a route value")]
    [InlineData("LinkGateway:Identities:esp:Tokn", "t", "LinkGateway:Identities:esp:Tokn: unknown key (did you mean Token?)")]
    [InlineData("LinkGateway:Hosts:links.example.com:Shield", "sometimes", "LinkGateway:Hosts:links.example.com:Shield: \"sometimes\" is not allowed (allowed: auto, always)")]
    [InlineData("LinkGateway:Hosts:links.example.com:Weights:ua.libary", "0.5", "LinkGateway:Hosts:links.example.com:Weights:ua.libary: unknown reason code (did you mean ua.library?)")]
    [InlineData("LinkGateway:Hosts:links.example.com:Weights:ua.library", "2", "LinkGateway:Hosts:links.example.com:Weights:ua.library: 2 is outside 0..1")]
    [InlineData("LinkGateway:Hosts:links.example.com:Brnad", "Acme", "LinkGateway:Hosts:links.example.com:Brnad: unknown key (did you mean Brand?)")]
    [InlineData("LinkGateway:Hosts:links.example.com:ForwardHost", "maybe", "LinkGateway:Hosts:links.example.com:ForwardHost: \"maybe\" is not allowed (allowed: true, false)")]
    [InlineData("LinkGateway:Hosts:links.example.com:Brand", "acme", "LinkGateway:Hosts:links.example.com:Brand: \"acme\" names no brand in LinkGateway:Brands (there is none)")]
    [InlineData("LinkGateway:Hosts:links.example.com:Brand", "   ", "LinkGateway:Hosts:links.example.com:Brand: must be a name of 1..64 printable characters")]
    [InlineData("LinkGateway:Hosts:links_example.com:Brand", "Acme", "LinkGateway:Hosts:links_example.com: \"links_example\" is not a DNS label")]
    [InlineData("LinkGateway:Hosts:*.*.example.com:Brand", "Acme", "LinkGateway:Hosts:*.*.example.com: \"*\" is not a DNS label")]
    [InlineData("LinkGateway:Tls:CertificateFolder", "no-such-folder", "LinkGateway:Tls:CertificateFolder: the folder ")]
    public void BadSetting_StopsStartUpNamingTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { [key] = value }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/hook")]
    [InlineData("http://0.0.0.0:5080", "http://localhost:5080/hook")]
    [InlineData("http://127.0.0.1:5080;http://127.0.0.1:9090", "http://127.0.0.1:9090/metrics")]
    public void AWebhookAimedAtThisGateway_StopsStartUpNamingTheKey(string urls, string webhook)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { ["urls"] = urls, ["LinkGateway:FoldBack:Webhook:Url"] = webhook }));

        Assert.Contains(error.Errors, e => e.StartsWith("LinkGateway:FoldBack:Webhook:Url: ", StringComparison.Ordinal) && e.Contains("points at this gateway", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http_ports", "5080", "http://127.0.0.1:5080/hook")]
    [InlineData("https_ports", "5443", "https://localhost:5443/hook")]
    [InlineData("urls", null, "http://127.0.0.1:5000/hook")] // Kestrel's default, with none of them set
    public void AWebhookAimedAtAPortThisGatewayListensOnByDefault_StopsStartUp(string key, string? value, string webhook)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { [key] = value, ["LinkGateway:FoldBack:Webhook:Url"] = webhook }));

        Assert.Contains(error.Errors, e => e.StartsWith("LinkGateway:FoldBack:Webhook:Url: ", StringComparison.Ordinal) && e.Contains("points at this gateway", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("00:00:30", "00:00:16", "LinkGateway:Shield:MinDwell: 16 s is more than half of LinkGateway:Shield:PassLifetime (30 s)")]
    [InlineData("00:00:45", "00:01:00", "LinkGateway:Shield:MinDwell: 60 s is more than half of LinkGateway:Shield:PassLifetime (45 s)")]
    public void AMinDwellThePassDoesNotOutlive_StopsStartUpNamingTheKey(string passLifetime, string minDwell, string expected)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new Dictionary<string, string?>
        {
            ["LinkGateway:Shield:PassLifetime"] = passLifetime,
            ["LinkGateway:Shield:MinDwell"] = minDwell,
        }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Url=https://a.example/h#x", "LinkGateway:FoldBack:Webhook:Url: must not have a #fragment")]
    [InlineData("Url=https://user:secret@a.example/h", "LinkGateway:FoldBack:Webhook:Url: must not carry a user name or password")]
    [InlineData("Url=ftp://a.example/h", "LinkGateway:FoldBack:Webhook:Url: \"ftp://a.example/h\" is not an absolute http or https URL")]
    [InlineData("Url=https://a.example/h;FirstRetryDelay=00:05:00", "LinkGateway:FoldBack:Webhook:FirstRetryDelay: 300 s is longer than LinkGateway:FoldBack:Webhook:MaxRetryDelay")]
    [InlineData("Url=https://a.example/h;ClaimAfter=00:02:00", "LinkGateway:FoldBack:Webhook:ClaimAfter: 120 s must be longer than MaxRetryDelay + Timeout (130 s)")]
    public void BadWebhook_StopsStartUpNamingTheKey(string settings, string expected)
    {
        var webhook = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(kv => $"LinkGateway:FoldBack:Webhook:{kv[0]}", kv => (string?)kv[1]);

        var error = Assert.Throws<GatewayConfigurationException>(() => Build(webhook));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Token=t;TokenFormat=jwt", "LinkGateway:Identities:esp:Keys: TokenFormat jwt needs at least one key")]
    [InlineData("Token=t;TokenFormat=jwt;Keys:k1:Algorithm=HS256;Keys:k1:Secret=AQID", "LinkGateway:Identities:esp:Keys:k1:Secret: too short: 3 bytes")]
    [InlineData("Token=t;TokenFormat=jwt;Keys:k1:Algorithm=none", "LinkGateway:Identities:esp:Keys:k1:Algorithm: \"none\" is not allowed (allowed: HS256, ES256)")]
    [InlineData("Token=t;TokenFormat=jwt;Keys:k1:Algorithm=ES256", "LinkGateway:Identities:esp:Keys:k1: ES256 needs PublicKey (PEM) or PublicKeyFile")]
    [InlineData("Token=t;TokenFormat=jwt;Keys:k1:Algorithm=ES256;Keys:k1:PublicKey=not a key", "LinkGateway:Identities:esp:Keys:k1: ")]
    [InlineData("Token=t;TokenFormat=jwt;Keys:k1:Algorithm=ES256;Keys:k1:PublicKeyFile=no-such.pem", "LinkGateway:Identities:esp:Keys:k1: Could not find file")]
    [InlineData("Token=t;TokenFormat=text", "LinkGateway:Identities:esp:TokenPattern: required with TokenFormat text")]
    [InlineData("Token=t;TokenPattern=(?<messageId>.)", "LinkGateway:Identities:esp:TokenPattern: only read with TokenFormat text")]
    [InlineData("Token=t;Keys:k1:Algorithm=HS256", "LinkGateway:Identities:esp:Keys: only read with TokenFormat jwt")]
    [InlineData("Pattern=^/e/(?<mid>[^.]+)\\.(?<rid>[^.]+)", "LinkGateway:Identities:esp:Pattern: none of its groups (mid, rid) is a name the layout reads (messageId, recipientId, linkId, t)")]
    [InlineData("Token=ct;TokenFormat=text;TokenPattern=(?<email>[0-9]+)", "LinkGateway:Identities:esp:TokenPattern: none of its groups (email) is a name the layout reads")]
    public void BadLinkLayout_StopsStartUpNamingTheKey(string settings, string expected)
    {
        var layout = settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(kv => $"LinkGateway:Identities:esp:{kv[0]}", kv => (string?)kv[1]);
        layout["ReverseProxy:Routes:click:Metadata:Identity"] = "esp";

        var error = Assert.Throws<GatewayConfigurationException>(() => Build(layout));

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

    [Theory]
    [InlineData("LinkGateway:Mode", "x")]
    [InlineData("LinkGateway:Thresholds:Bot", "high")]
    [InlineData("LinkGateway:Redis:ProbeInterval", "5")]
    [InlineData("LinkGateway:Shield:MaxFormBytes", "99999999999")]
    [InlineData("LinkGateway:RateLimit:Enabled", "maybe")]
    [InlineData("LinkGateway:Memory:TagTtl", "")]
    public void BadValue_IsDescribedInTheReadmesWords_NeverByADotNetType(string key, string value)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { [key] = value }));

        var line = Assert.Single(error.Errors);
        Assert.StartsWith($"{key}: ", line);
        Assert.DoesNotContain("System.", line);
        Assert.DoesNotContain("LinkGateway.", line);
        Assert.DoesNotContain("Int32", line);
        Assert.DoesNotContain("TimeSpan", line);
    }

    [Theory]
    [InlineData("LinkGateway:Redis:Budget", "20ms")]
    [InlineData("LinkGateway:Redis:Budget", "00:00:00.020")]
    [InlineData("LinkGateway:Memory:TagTtl", "1d")]
    [InlineData("LinkGateway:Memory:TagTtl", "1.00:00:00")]
    [InlineData("LinkGateway:Mode", "Observe")]
    [InlineData("linkgateway:behaviour:burstlinkswindow", "2s")]
    [InlineData("ReverseProxy:Routes:unsubscribe:Metadata:shield", "auto")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout", "00:00:30")]
    [InlineData("ReverseProxy:Routes:click:Order", "-1")]
    [InlineData("ReverseProxy:Clusters:origin:HttpClient:SslProtocols:0", "tls13")] // any case, as YARP reads it
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:Version", "2")]
    [InlineData("ReverseProxy:Clusters:origin:HttpRequest:VersionPolicy", "requestversionorlower")]
    [InlineData("ReverseProxy:Clusters:origin:HealthCheck:Active:Interval", "00:00:10")]
    public void GoodSetting_InAnySpellingTheReadmeAllows_Starts(string key, string value)
    {
        using var app = Build(new() { [key] = value });

        Assert.NotNull(app);
    }

    /// <summary>
    /// A file without link routes (its ReverseProxy section misspelt or cut off, a plain catch-all only) started and
    /// answered every click and unsubscribe 404, or forwarded them unjudged.
    /// </summary>
    [Theory]
    [InlineData("""{ "ReverseProxi": { "Routes": { "click": { "ClusterId": "origin", "Match": { "Path": "/c/{m}/{r}/{l}" }, "Metadata": { "LinkKind": "click" } } } } }""",
        "ReverseProxi: unknown section (did you mean ReverseProxy?)")]
    [InlineData("""{ "ReverseProxi": { } }""", "ReverseProxy:Routes: none: every link would get 404; give each link endpoint a route with Metadata LinkKind (click, open, unsubscribe, confirm, honeypot)")]
    [InlineData("""{ }""", "ReverseProxy:Routes: none: every link would get 404; give each link endpoint a route with Metadata LinkKind")]
    [InlineData("""{ "ReverseProxy": { "Routes": { "rest": { "ClusterId": "origin", "Match": { "Path": "{**rest}" } } }, "Clusters": { "origin": { "Destinations": { "primary": { "Address": "http://127.0.0.1:9" } } } } } }""",
        "ReverseProxy:Routes: no route names a LinkKind in its Metadata: every link would get no verdict; give each link endpoint a route")]
    public void AConfigFileWithoutLinkRoutes_StopsStartUpNamingTheKey(string json, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("lg-config-");
        try
        {
            var file = Path.Combine(folder.FullName, "linkgateway.json");
            File.WriteAllText(file, json);
            var overrides = new Dictionary<string, string?>
            {
                ["LinkGateway:Signing:Key"] = _validKey,
                ["LinkGateway:Signatures:Path"] = Path.Combine(RepoFiles.Root, "config", "signatures"),
            };

            var error = Assert.Throws<GatewayConfigurationException>(() => GatewayApp.Build(new GatewayLaunch(false, file, []), overrides));

            Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Thirty-two spaces passed the length check; a token with a line break at its end could never be presented.</summary>
    [Theory]
    [InlineData("                                ")]
    [InlineData("an-admin-token-of-at-least-32-characters\n")]
    [InlineData(" an-admin-token-of-at-least-32-characters")]
    public void AnAdminTokenWithWhiteSpace_StopsStartUpNamingTheKey(string token)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => Build(new()
        {
            ["LinkGateway:Admin:Urls"] = "http://127.0.0.1:9090",
            ["LinkGateway:Admin:Token"] = token,
        }));

        Assert.Contains(error.Errors, e => e.StartsWith("LinkGateway:Admin:Token: holds white space", StringComparison.Ordinal));
    }

    /// <summary>
    /// A key ring folder on a full disk passed the check (an empty file fits) and the warm-up then failed making this node's
    /// first key, with an encryption error naming neither. A full filesystem of the test's own: a 16 KB tmpfs (as root, as
    /// the network namespace tests are).
    /// </summary>
    [Fact]
    public void AKeyRingFolderOnAFullDisk_StopsStartUpNamingTheKey()
    {
        var folder = Directory.CreateTempSubdirectory("lg-full-").FullName;
        Mount("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", folder);
        try
        {
            try
            {
                File.WriteAllBytes(Path.Combine(folder, "fill"), new byte[64 * 1024]);
            }
            catch (IOException)
            {
                // full now, as the test wants
            }

            var error = Assert.Throws<GatewayConfigurationException>(() => Build(new() { ["LinkGateway:Shield:KeyRingPath"] = folder }));

            Assert.Contains(error.Errors, e => e.StartsWith($"LinkGateway:Shield:KeyRingPath: cannot write to {folder}", StringComparison.Ordinal)
                && e.Contains("No space left on device", StringComparison.Ordinal));
        }
        finally
        {
            Mount("umount", folder);
            Directory.Delete(folder);
        }
    }

    private static void Mount(string command, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(command) { RedirectStandardError = true };
        arguments.ToList().ForEach(info.ArgumentList.Add);
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)} failed (the test needs root, as the network namespace tests do): {error}");
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

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith("config error: LinkGateway:Signing:Key: missing", stderr);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [Theory]
    [InlineData("--LinkGateway:Behaviour:BurstLinkWindow=00:00:03", "config error: LinkGateway:Behaviour:BurstLinkWindow: unknown key (did you mean BurstLinksWindow?)")]
    [InlineData("--ReverseProxy:Routes:unsubscribe:Metadata:Sheild=always", "config error: ReverseProxy:Routes:unsubscribe:Metadata:Sheild: unknown key (did you mean Shield?)")]
    [InlineData("--LinkGateway:Redis:Budget=20", "config error: LinkGateway:Redis:Budget: \"20\" needs a unit")]
    [InlineData("--LinkGateway:Mode=shadow", "config error: LinkGateway:Mode: \"shadow\" is not allowed (allowed: enforce, observe)")]
    [InlineData("--ReverseProxy:Routes:click:ClusterId=orgin", "config error: ReverseProxy:Routes:click:ClusterId: \"orgin\" names no cluster in ReverseProxy:Clusters (did you mean origin?)")]
    [InlineData("--ReverseProxy:Routes:click:Match:Path=/c/{x", "config error: ReverseProxy: Invalid path '/c/{x' for route 'click'. (There is an incomplete parameter")]
    [InlineData("--urls=http://127.0.0.1:99999", "config error: --urls (or ASPNETCORE_URLS): \"http://127.0.0.1:99999\" has port 99999, not one from 0 to 65535")]
    [InlineData("--urls=http://gateway.internal:8080", "config error: --urls (or ASPNETCORE_URLS): \"http://gateway.internal:8080\" has host \"gateway.internal\", which is not an IP address; Kestrel would listen on every interface")]
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine, and nothing is sent to it.
    [InlineData("--urls=http://192.0.2.1:8080", "config error: --urls, ASPNETCORE_URLS or Kestrel:Endpoints: cannot listen there: Cannot assign requested address")]
    [InlineData("--LinkGateway:Redis:Configuration=127.0.0.1:notaport", "config error: LinkGateway:Redis:Configuration: names no host:port")]
    [InlineData("--ReverseProxy:Clusters:origin:LoadBalancingPolicy=Fastest", "config error: ReverseProxy: No matching ILoadBalancingPolicy found for the load balancing policy 'Fastest' set on the cluster 'origin'.")]
    // Serilog's reader only tells its self-log what it cannot use: a gateway with a misspelt sink ran and logged nothing.
    [InlineData("--Serilog:WriteTo:0:Name=Consol", "config error: Serilog:WriteTo:0:Name: \"Consol\" is nothing Serilog can find in the assemblies it loaded (did you mean Console?)")]
    [InlineData("--Serilog:Enrich:0=FromLogContxt", "config error: Serilog:Enrich:0: \"FromLogContxt\" is nothing Serilog can find in the assemblies it loaded (did you mean FromLogContext?)")]
    [InlineData("--Serilog:WriteTo:1:Name=File", "config error: Serilog:WriteTo:1:Args: Serilog's \"File\" cannot be called with no arguments (a required one missing?)")]
    [InlineData("--Serilog:Using:0=Serilog.Sinks.Consol", "config error: Serilog:Using:0: Could not load file or assembly 'Serilog.Sinks.Consol")]
    [InlineData("--Serilog:MinimumLevel:Default=Informaton", "config error: Serilog:MinimumLevel:Default: The value Informaton is not a valid Serilog level.")]
    [InlineData("--Serilog:MinimumLevel:Override:Yarp=Warnin", "config error: Serilog:MinimumLevel:Override:Yarp: \"Warnin\" is no level (Verbose, Debug, Information, Warning, Error, Fatal) and no switch declared in Serilog:LevelSwitches")]
    [InlineData("--Serilog:WriteTo:1:Name=Consol{e}", "config error: Serilog:WriteTo:1:Name: \"Consol{e}\" is nothing Serilog can find (a name has no braces)")]
    [InlineData("--Serilog:Enrich:0:Name=From.LogContext", "config error: Serilog:Enrich:0:Name: \"From.LogContext\" is nothing Serilog can find in the assemblies it loaded (did you mean FromLogContext?)")]
    [InlineData("--Serilog:WriteTo:1:Name=", "config error: Serilog:WriteTo:1:Name: no name given (valid here: ")]
    // Serilog calls the form with the most arguments it knows and drops the rest: the shipped console kept writing text.
    [InlineData("--Serilog:WriteTo:0:Args:formatter=Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
        "config error: Serilog:WriteTo:0:Args: no form of Serilog's \"Console\" takes outputTemplate and formatter together; Serilog would drop some of them")]
    [InlineData("--Serilog:WriteTo:0:Args:theme=Nope::Code, Serilog.Sinks.Console", "config error: Serilog:WriteTo:0:Args:theme: Could not resolve type 'Nope'")]
    [InlineData("--Serilog:WriteTo:0:Name=console", "config error: Serilog:WriteTo:0:Name: \"console\" is nothing Serilog can find in the assemblies it loaded (did you mean Console?)")]
    [InlineData("--Serilog:WriteTo:0:Args:outputTemplat=x", "config error: Serilog:WriteTo:0:Args:outputTemplat: Serilog's \"Console\" takes no argument \"outputTemplat\" (did you mean outputTemplate?)")]
    public async Task Process_WithAMistakeInTheConfiguration_ExitsWithCode2AndOneLineNamingTheKey(string setting, string expected)
    {
        var (exitCode, stderr) = await GatewayProcess.RunAsync("--config", RepoFiles.ConfigFile, "--urls", "http://127.0.0.1:0", $"--LinkGateway:Signing:Key={_validKey}", setting);

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith(expected, Assert.Single(stderr.Split('\n')));
    }

    // A sink's argument it refuses is named by its key, not by another key whose value the message happens to contain
    // ("File" in "retainedFileCountLimit").
    [Fact]
    public async Task Process_WithASinkArgumentItRefuses_ExitsWithCode2AndOneLineNamingTheArgument()
    {
        var folder = Directory.CreateTempSubdirectory("lg-file-sink-");
        try
        {
            var (exitCode, stderr) = await GatewayProcess.RunAsync("--config", RepoFiles.ConfigFile, "--urls", "http://127.0.0.1:0", $"--LinkGateway:Signing:Key={_validKey}",
                "--Serilog:WriteTo:1:Name=File", $"--Serilog:WriteTo:1:Args:path={folder.FullName}/gateway.log", "--Serilog:WriteTo:1:Args:rollingInterval=Day",
                "--Serilog:WriteTo:1:Args:retainedFileCountLimit=0");

            Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
            Assert.StartsWith("config error: Serilog:WriteTo:1:Args:retainedFileCountLimit: At least one file must be retained.", Assert.Single(stderr.Split('\n')));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // Serilog's File sink tells its self-log (with a stack trace) when it cannot open its file, and the gateway then ran
    // without it; a rolling one opens its file only at its first line, on the log queue's thread, and lost every line.
    [Theory]
    [InlineData("WriteTo:1", "")]
    [InlineData("WriteTo:1", "rollingInterval=Day")]
    [InlineData("WriteTo:1", "rollOnFileSizeLimit=true")]
    [InlineData("AuditTo:0", "")]
    [InlineData("WriteTo:1:Args:configureLogger:WriteTo:0", "rollingInterval=Day")] // inside a sub-logger
    public async Task Process_WithAFileSinkThatCannotWrite_ExitsWithCode2AndOneLineNamingThePath(string entry, string more)
    {
        var folder = Path.Combine(RepoFiles.ConfigFile, "logs"); // a folder that cannot be made: its parent is a file
        string[] settings = entry.Contains("configure", StringComparison.Ordinal)
            ? ["--Serilog:WriteTo:1:Name=Logger", $"--Serilog:{entry}:Name=File", $"--Serilog:{entry}:Args:path={folder}/gateway.log"]
            : [$"--Serilog:{entry}:Name=File", $"--Serilog:{entry}:Args:path={folder}/gateway.log"];
        if (more.Length > 0)
        {
            settings = [.. settings, $"--Serilog:{entry}:Args:{more}"];
        }

        var (exitCode, stderr) = await GatewayProcess.RunAsync(["--config", RepoFiles.ConfigFile, "--urls", "http://127.0.0.1:0", $"--LinkGateway:Signing:Key={_validKey}", .. settings]);

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        var line = Assert.Single(stderr.Split('\n'));
        Assert.StartsWith($"config error: Serilog:{entry}:Args:path: the File sink cannot write in {folder}: ", line);
        Assert.DoesNotContain(" at ", line);
    }

    [Theory]
    [InlineData(false, "config error: --urls, ASPNETCORE_URLS or Kestrel:Endpoints: http://127.0.0.1:{0} is already in use by another process")]
    [InlineData(true, "config error: LinkGateway:Admin:Urls: http://127.0.0.1:{0} is already in use by another process")]
    public async Task Process_WithAPortInUse_ExitsWithCode2AndOneLineNamingTheAddressAndTheSetting(bool admin, string expected)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string[] listen = admin
            ? ["--urls", "http://127.0.0.1:0", $"--LinkGateway:Admin:Urls=http://127.0.0.1:{port}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}"]
            : ["--urls", $"http://127.0.0.1:{port}"];

        var (exitCode, stderr) = await GatewayProcess.RunAsync(["--config", RepoFiles.ConfigFile, $"--LinkGateway:Signing:Key={_validKey}", .. listen]);

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, port), Assert.Single(stderr.Split('\n')));
    }

    [Fact]
    public async Task Process_WithAConfigFileThatIsNotJson_ExitsWithCode2AndOneLineNamingTheFileAndLine()
    {
        var folder = Directory.CreateTempSubdirectory("lg-config-");
        try
        {
            var file = Path.Combine(folder.FullName, "linkgateway.json");
            await File.WriteAllTextAsync(file, "{\n  \"LinkGateway\": {\n    \"Mode\": \"observe\"\n    \"Redis\": {}\n  }\n}\n");

            var (exitCode, stderr) = await GatewayProcess.RunAsync("--config", file, "--urls", "http://127.0.0.1:0");

            Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
            var line = Assert.Single(stderr.Split('\n'));
            Assert.StartsWith($"config error: --config: {file}: not valid JSON: ", line);
            Assert.EndsWith("(line 4, column 5)", line);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
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
