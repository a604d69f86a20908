using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LinkGateway.Evaluation;
using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

/// <summary>
/// Generated hostile requests (FsCheck) through a real gateway on Kestrel: arbitrary header values, forwarded-for
/// chains, spoofed X-Bot-* and percent-encoded paths. Every answer is below 500 and carries no stack trace; every
/// request that reaches the origin arrives with a score in range, a valid signature and none of the client's X-Bot-*.
/// </summary>
public sealed class FuzzedRequestTests : IClassFixture<FuzzedRequestTests.Gateway>
{
    private readonly Gateway _gateway;

    public FuzzedRequestTests(Gateway gateway) => _gateway = gateway;

    /// <summary>Header text: printable ASCII, tabs, Latin-1 bytes and pieces that parsers trip on.</summary>
    private static Gen<string> HeaderText() =>
        Gen.OneOf(
                Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString()),
                Gen.Choose(0xA0, 0xFF).Select(c => ((char)c).ToString()),
                Gen.Elements("\t", "(", ")", ";", ",", "=", "\"", "%", "%00", "%ZZ", "Mozilla/5.0 (", "curl/", "HeadlessChrome/1", "::ffff:", "1.2.3.4", "unknown"))
            .ListOf().Select(string.Concat);

    private static Gen<string> PathSegment() =>
        Gen.OneOf(
                Gen.Choose(0x21, 0x7E).Where(c => c is not '/' and not '?' and not '#').Select(c => ((char)c).ToString()),
                Gen.Elements("%2F", "%00", "%25", "%C3%A9", "%E2%80%AE", "%", "%G1", "..", "%2e%2e", "+"))
            .ListOf().Select(parts => parts.Count == 0 ? "x" : string.Concat(parts));

    [Property(MaxTest = 200)]
    public Property AnyRequest_GetsASafeAnswer_AndTheOriginOnlyClean()
    {
        var gen = from route in Gen.Elements("c", "o", "u", "h")
                  from message in PathSegment()
                  from recipient in PathSegment()
                  from userAgent in HeaderText()
                  from accept in HeaderText()
                  from forwardedFor in HeaderText()
                  from spoofed in HeaderText()
                  select (Path: route == "c" ? $"/c/{message}/{recipient}/l" : $"/{route}/{message}/{recipient}", userAgent, accept, forwardedFor, spoofed);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var before = _gateway.Host.Ledger.Events.Count;
            var request = new HttpRequestMessage(HttpMethod.Get, input.Path);
            request.Headers.TryAddWithoutValidation("User-Agent", input.userAgent);
            request.Headers.TryAddWithoutValidation("Accept", input.accept);
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", input.forwardedFor);
            request.Headers.TryAddWithoutValidation("X-Bot-Score", "0");
            request.Headers.TryAddWithoutValidation("X-Bot-Verdict", input.spoofed);
            using var response = _gateway.Client.Send(request);
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();

            var safe = (int)response.StatusCode < 500 && !body.Contains("   at ", StringComparison.Ordinal) && !body.Contains("Exception", StringComparison.Ordinal);
            var reached = _gateway.Host.Ledger.Events.Skip(before).ToList();
            var clean = reached.All(e => e.SignatureValid == true
                                        && int.TryParse(e.Header("X-Bot-Score"), out var score) && score is >= 0 and <= 100
                                        && e.Header("X-Bot-Verdict") is "human" or "suspect" or "bot");
            return safe.Label($"status {(int)response.StatusCode}").And(clean.Label("origin saw a bad or unsigned verdict"));
        });
    }

    [Property(MaxTest = 1000)]
    public Property AccessLogFormats_NeverThrow_AndRefuseWithAReason()
    {
        var line = Gen.OneOf(
                ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
                HeaderText(),
                Gen.Elements(
                    "203.0.113.9 - - [20/Nov/2026:09:00:00 +0000] \"GET /c/m/r/l HTTP/1.1\" 302 0 \"-\" \"curl/8\"",
                    "{\"time\":\"2026-11-20T09:00:02Z\",\"ip\":\"198.51.100.8\",\"url\":\"/o/m-1/r-4\"}",
                    "h2 2026-11-20T09:00:01.5Z app/lb/1 [2001:db8::5]:443 10.0.0.1:80 0 0 0 302 302 1 1 \"GET https://h:443/c/m/r/l HTTP/2.0\" \"curl/8\" - -",
                    "2026-11-20 09:00:01 10.0.0.4 GET /c/m/r/l t=1 443 - 203.0.113.5 curl/8 - 302 0 0 12",
                    "{\"ClientIP\":\"203.0.113.5\",\"ClientRequestURI\":\"/c/m/r/l\",\"EdgeStartTimestamp\":1795251601000000000}")
                    .SelectMany(valid => Gen.Choose(0, valid.Length).Select(cut => valid[..cut])))
            .ToArbitrary();
        return Prop.ForAll(line, text => AccessLogFormats.Names.All(name =>
        {
            // A line is a request, a refusal with its reason, or (blank, a W3C directive) neither; never both.
            var parsed = AccessLogFormats.Create(name).Read(text, 1, out var problem);
            return !(parsed is not null && problem is not null) && (parsed is not null || problem is not null || string.IsNullOrWhiteSpace(text) || text.StartsWith('#'));
        }));
    }

    [Property(MaxTest = 500)]
    public Property LinkIdentity_SendTime_OnlyFromPlainUnixTime()
    {
        return Prop.ForAll(Arb.From(HeaderText()), text =>
        {
            var identity = Links.IdentityProfile.Default.Read(Links.LinkKind.Open, "/", name => name == "t" ? text : "v");
            // Seconds, or milliseconds as JavaScript writes them: digits only, below 10^14; a fraction after them is dropped.
            var whole = System.Text.RegularExpressions.Regex.Match(text, @"^([0-9]+)(\.[0-9]+)?$") is { Success: true } m ? m.Groups[1].Value : null;
            var plainUnixTime = whole is not null
                && long.TryParse(whole, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
                && number is > 0 and < 100_000_000_000_000;
            return (identity.SentAt is not null) == plainUnixTime;
        });
    }

    /// <summary>One gateway for all generated requests; a client that sends header bytes as they are (Latin-1).</summary>
    public sealed class Gateway : IAsyncLifetime
    {
        public GatewayHost Host { get; private set; } = null!;

        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["LinkGateway:RateLimit:Enabled"] = "false" });
            Client = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1,
            }) { BaseAddress = Host.Address };
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            await Host.DisposeAsync();
        }
    }
}
