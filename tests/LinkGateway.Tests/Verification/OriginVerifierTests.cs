using System.Security.Cryptography;
using System.Text;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Verification;

/// <summary>
/// Every origin verifier agrees with the gateway's signer on every case of src/verifiers/test-vectors.json: the C# library
/// in process and behind its middleware on a real Kestrel, and the Python, Node.js, PHP and Go verifiers as real processes
/// (each folder's run-vectors program prints "name TAB outcome" per vector; the assertions are here). A missing
/// interpreter fails the test naming the Debian package; it never skips.
/// </summary>
public sealed class OriginVerifierTests
{
    [Fact]
    public void VectorFile_IsWhatTheSignerGenerates()
    {
        var generated = VerifierVectors.Json();
        if (Environment.GetEnvironmentVariable("LINKGATEWAY_WRITE_VECTORS") == "1")
        {
            File.WriteAllText(VerifierVectors.FilePath, generated, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        Assert.True(File.Exists(VerifierVectors.FilePath), $"{VerifierVectors.FilePath} is missing: regenerate it with LINKGATEWAY_WRITE_VECTORS=1");
        Assert.True(generated == File.ReadAllText(VerifierVectors.FilePath),
            "src/verifiers/test-vectors.json differs from what the signer generates: regenerate it with LINKGATEWAY_WRITE_VECTORS=1 "
            + "dotnet test tests/LinkGateway.Tests -c Release --filter VectorFile_IsWhatTheSignerGenerates, and review the diff");
    }

    [Fact]
    public void Vectors_CoverEveryOutcome_AndEachNameIsUnique()
    {
        var vectors = VerifierVectors.ReadFile();

        Assert.Equal(vectors.Count, vectors.Select(v => v.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(vectors, v => Assert.DoesNotContain(v.Name, c => c is '\t' or '\n' or '\r'));
        Assert.Equal([VerifierVector.Invalid, VerifierVector.KeyRefused, VerifierVector.Valid], vectors.Select(v => v.Expected).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CSharpVerifier_AgreesWithEveryVector()
    {
        var outcomes = VerifierVectors.ReadFile().ToDictionary(v => v.Name, Outcome);

        AssertAgrees("C# (LinkGateway.Verifier)", outcomes);
    }

    [Fact]
    public async Task Middleware_SetsTheFeature_AsEveryVectorExpects()
    {
        var vectors = VerifierVectors.ReadFile();
        var outcomes = new Dictionary<string, string>();
        foreach (var group in vectors.Where(v => v.KeyUsable).GroupBy(v => v.Key))
        {
            var clock = new SettableClock();
            await using var origin = await StartOriginAsync(group.Key, clock);
            foreach (var vector in group)
            {
                clock.Now = DateTimeOffset.FromUnixTimeSeconds(vector.Now);
                var answer = await RawHttp.SendAsync(origin.Address, Request(vector));
                if (!Ascii.IsValid(vector.Target))
                {
                    // Kestrel refuses a raw non-ASCII target before any middleware runs (CSharpVerifier_AgreesWithEveryVector covers these).
                    Assert.True(RawHttp.StatusOf(answer) == 400, $"{vector.Name}: {answer}");
                    continue;
                }

                Assert.True(RawHttp.StatusOf(answer) == 200, $"{vector.Name}: {answer}");
                outcomes[vector.Name] = answer.Contains("\r\nX-Verified: true\r\n", StringComparison.Ordinal) ? VerifierVector.Valid : VerifierVector.Invalid;
            }
        }

        foreach (var vector in vectors.Where(v => !v.KeyUsable))
        {
            var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => StartOriginAsync(vector.Key, TimeProvider.System));
            Assert.StartsWith("BotHeaderVerificationOptions.Key: the signing key is refused: ", refused.Message);
            outcomes[vector.Name] = VerifierVector.KeyRefused;
        }

        AssertAgrees("C# middleware (UseBotHeaderVerification)", outcomes, vectors.Where(v => Ascii.IsValid(v.Target)));
    }

    [Fact]
    public async Task Middleware_TellsWhyARequestIsUnverified()
    {
        var vectors = VerifierVectors.ReadFile();
        var valid = vectors.First(v => v.Expected == VerifierVector.Valid && v.Headers.Count == 5);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(valid.Now));
        await using var origin = await StartOriginAsync(valid.Key, clock);

        var verified = await RawHttp.SendAsync(origin.Address, Request(valid));
        var unsigned = await RawHttp.SendAsync(origin.Address, Request(valid with { Headers = new Dictionary<string, string>() }));
        var tampered = await RawHttp.SendAsync(origin.Address, Request(valid with { Method = "POST" }));
        clock.Advance(TimeSpan.FromSeconds(BotHeaderVerifier.MaxAgeSeconds + 1));
        var expired = await RawHttp.SendAsync(origin.Address, Request(valid));

        Assert.Contains("\r\nX-Verdict: bot 94 ua.library|hdr.accept-any\r\n", verified);
        Assert.Contains("\r\nX-Failure: unsigned\r\n", unsigned);
        Assert.Contains("\r\nX-Failure: mismatch\r\n", tampered);
        Assert.Contains("\r\nX-Failure: expired\r\n", expired);
    }

    [Fact]
    public async Task Middleware_RepeatedBotHeader_IsIncomplete()
    {
        var valid = VerifierVectors.ReadFile().First(v => v.Expected == VerifierVector.Valid && v.Headers.Count == 5);
        await using var origin = await StartOriginAsync(valid.Key, new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(valid.Now)));
        var request = Encoding.UTF8.GetString(Request(valid));
        // A second value did not come from the gateway alone: neither of the two may be taken as the signed one.
        var repeated = Encoding.UTF8.GetBytes(request[..^2] + "X-Bot-Score: 0\r\n\r\n");

        var answer = await RawHttp.SendAsync(origin.Address, repeated);

        Assert.Contains("\r\nX-Verified: false\r\n", answer);
        Assert.Contains($"\r\nX-Failure: {BotVerdict.Incomplete}\r\n", answer);
    }

    [Fact]
    public void DemoOrigin_RefusesAHexKeyAtStartUp()
    {
        var hex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        var refused = Assert.Throws<OptionsValidationException>(() => DemoOriginApp.Create(["--urls", "http://127.0.0.1:0", $"--Origin:SigningKey={hex}"]));

        Assert.StartsWith("Origin:SigningKey: the signing key is refused: ", refused.Message);
        Assert.Contains("hex digits, not base64", refused.Message);
    }

    [Fact]
    public async Task DemoOrigin_RecordsForgedHeaders_AsUnverified()
    {
        await using var origin = DemoOriginApp.Create(["--urls", "http://127.0.0.1:0"], RandomNumberGenerator.GetBytes(32));
        await origin.StartAsync();
        var forged = VerifierVectors.ReadFile().First(v => v.Expected == VerifierVector.Valid); // signed with another key
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(origin.Urls.First()), "/c/m-forged/r-forged/l-1"));
        foreach (var (name, value) in forged.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var answer = await client.SendAsync(request);

        var seen = Assert.Single(origin.Services.GetRequiredService<OriginLedger>().Events, e => e.RecipientId == "r-forged");
        Assert.False(seen.SignatureValid);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    [InlineData("php")]
    [InlineData("go")]
    public async Task LanguageVerifier_AgreesWithEveryVector(string language)
    {
        var outcomes = await LanguageVerifiers.RunAsync(language, VerifierVectors.FilePath);

        AssertAgrees(language, outcomes);
    }

    [Theory]
    [InlineData("python", "python3")]
    [InlineData("node", "nodejs")]
    [InlineData("php", "php-cli")]
    [InlineData("go", "golang-go")]
    public async Task MissingInterpreter_FailsNamingThePackage(string language, string package)
    {
        var empty = Directory.CreateTempSubdirectory("lg-no-interpreter-");
        try
        {
            var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => LanguageVerifiers.RunAsync(language, VerifierVectors.FilePath, searchPath: empty.FullName));

            Assert.Contains($"apt-get install -y {package}", missing.Message);
        }
        finally
        {
            empty.Delete();
        }
    }

    private static string Outcome(VerifierVector vector)
    {
        BotHeaderVerifier verifier;
        try
        {
            verifier = BotHeaderVerifier.FromBase64Key(vector.Key);
        }
        catch (ArgumentException)
        {
            return VerifierVector.KeyRefused;
        }

        var verdict = verifier.Verify(name => vector.Headers.GetValueOrDefault(name), vector.Method, vector.Target, vector.Now);
        return verdict.Verified ? VerifierVector.Valid : VerifierVector.Invalid;
    }

    /// <summary>Every vector has an outcome from <paramref name="verifier"/>, and it is the expected one; the message lists every disagreement.</summary>
    private static void AssertAgrees(string verifier, IReadOnlyDictionary<string, string> outcomes, IEnumerable<VerifierVector>? vectors = null)
    {
        var disagreements = (vectors ?? VerifierVectors.ReadFile())
            .Where(v => outcomes.GetValueOrDefault(v.Name) != v.Expected)
            .Select(v => $"  {v.Name}: expected {v.Expected}, got {outcomes.GetValueOrDefault(v.Name) ?? "no answer"}")
            .ToList();
        Assert.True(disagreements.Count == 0, $"{verifier} disagrees with {disagreements.Count} vector(s):\n{string.Join('\n', disagreements)}");
    }

    private static byte[] Request(VerifierVector vector)
    {
        var request = new StringBuilder($"{vector.Method} {vector.Target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        if (vector.Method == "POST")
        {
            request.Append("Content-Length: 0\r\n");
        }

        foreach (var (name, value) in vector.Headers)
        {
            request.Append($"{name}: {value}\r\n");
        }

        return Encoding.UTF8.GetBytes(request.Append("\r\n").ToString());
    }

    /// <summary>An ASP.NET Core origin as the README shows it: the middleware, then an endpoint that reads the feature (into response headers, which HEAD keeps too).</summary>
    private static async Task<Origin> StartOriginAsync(string key, TimeProvider clock)
    {
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(clock);
        builder.Services.AddBotHeaderVerification(options => options.Key = key);
        var app = builder.Build();
        try
        {
            app.UseBotHeaderVerification();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        app.Run(context =>
        {
            var verdict = context.Features.Get<IBotVerdictFeature>()!;
            context.Response.Headers["X-Verified"] = verdict.Verified ? "true" : "false";
            context.Response.Headers["X-Verdict"] = $"{verdict.Verdict} {verdict.Score} {string.Join('|', verdict.Reasons)}";
            context.Response.Headers["X-Failure"] = verdict.Failure ?? "-";
            return Task.CompletedTask;
        });
        await app.StartAsync();
        return new Origin(app);
    }

    /// <summary>A clock set to each vector's "now", backwards too (FakeTimeProvider only moves forward).</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class Origin(WebApplication app) : IAsyncDisposable
    {
        public Uri Address { get; } = new(app.Urls.First());

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
