using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LinkGateway.Infrastructure;
using LinkGateway.Paths;

namespace LinkGateway.Forwarding;

/// <summary>
/// The signature covers the request exactly as the origin receives it: request targets sent raw, with every
/// spelling a client can put in a path and a query, through a real gateway to the demo origin, which recomputes
/// the canonical string from its raw request target.
/// </summary>
public sealed class SignatureOnTheWireTests(SignatureOnTheWireTests.Gateway gateway) : IClassFixture<SignatureOnTheWireTests.Gateway>
{
    private static int _recipients;

    [Theory]
    [InlineData("/c/m-sig/{0}/l-1?a=%zz")]
    [InlineData("/c/m-sig/{0}/l-1?b=%2f")]
    [InlineData("/c/m-sig/{0}/l-1?c=%2541")]
    [InlineData("/c/m-sig/{0}/l-1?d=\"<>{{}}|")]
    [InlineData("/c/m-sig/{0}/l%41%7e?%41=%7E")]
    [InlineData("/c/m-sig/{0}/l%zz%2F\\^`")]
    [InlineData("/other/{0}?q=%zz&r=\"x\"")]
    public async Task TheOriginVerifies_WhatItReceived(string format)
    {
        var recipient = NextRecipient();
        var target = string.Format(CultureInfo.InvariantCulture, format, recipient);

        var answer = await RawHttp.SendAsync(gateway.Host.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.True(RawHttp.StatusOf(answer) is 302 or 404, answer);
        if (format.StartsWith("/c/", StringComparison.Ordinal))
        {
            var seen = Assert.Single(gateway.Host.Ledger.Events, e => e.RecipientId == recipient);
            Assert.True(seen.SignatureValid, $"{target} arrived as {seen.PathAndQuery}");
        }
    }

    /// <summary>Text for a path segment or a query: percent-encodings of any byte, broken ones, and every character a request target can carry.</summary>
    private static Gen<string> Spelled(bool query) =>
        Gen.OneOf(
                Gen.Elements("abcXYZ019-._~!$&'()*+,;=:@\"<>{}|\\^`[]%".Select(c => c.ToString()).ToArray()),
                Gen.Choose(0, 255).SelectMany(b => Gen.Elements(b.ToString("X2", CultureInfo.InvariantCulture), b.ToString("x2", CultureInfo.InvariantCulture))).Select(hex => "%" + hex),
                Gen.Elements("%zz", "%2541", "%252F", "%2F", "%2f", "%C3%A9", "%E4%B8%AD", "%C0%AF", "%"),
                query ? Gen.Elements("/", "?", "&", "=") : Gen.Elements("%3F", "%23"))
            .ListOf().Select(string.Concat);

    [Property(MaxTest = 300)]
    public Property AnySpelling_ArrivesSigned_AsTheOriginReceivedIt()
    {
        var targets = from link in Spelled(query: false)
                      from query in Spelled(query: true)
                      select (Link: "l" + link, Query: query);
        return Prop.ForAll(targets.ToArbitrary(), input =>
        {
            var recipient = NextRecipient();
            var target = $"/c/m-sig/{recipient}/{input.Link}?{input.Query}";
            var answer = RawHttp.SendAsync(gateway.Host.Address, RawHttp.CurlGet(target, Clients.NextAddress())).GetAwaiter().GetResult();
            var status = RawHttp.StatusOf(answer);
            if (status == 400)
            {
                // Refused, never forwarded: a control character once decoded (LenientPath), nothing else.
                return (!LenientPath.TryRead(input.Link, out _) && !gateway.Host.Ledger.Events.Any(e => e.RecipientId == recipient)).Label($"400 for {target}");
            }

            var seen = gateway.Host.Ledger.Events.SingleOrDefault(e => e.RecipientId == recipient);
            return (status == 302 && seen is { SignatureValid: true }).Label($"{status} for {target}, origin saw {seen?.PathAndQuery} valid={seen?.SignatureValid}");
        });
    }

    private static string NextRecipient() => $"r-sig-{Interlocked.Increment(ref _recipients)}";

    /// <summary>One gateway in front of the demo origin for every case.</summary>
    public sealed class Gateway : IAsyncLifetime
    {
        public GatewayHost Host { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["LinkGateway:RateLimit:Enabled"] = "false" });

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
