using Microsoft.AspNetCore.Http;

namespace LinkGateway.Forwarding;

/// <summary>Which client header names never reach the origin, compared as origins compare them (any case, "_" read as "-").</summary>
public sealed class BotHeadersTests
{
    [Theory]
    [InlineData("X-Bot-Score", true, true)]
    [InlineData("x_bot_verdict", true, true)]
    [InlineData("X-Bot_Reasons", true, true)]
    [InlineData("X-Real-IP", true, true)]
    [InlineData("x_real_ip", true, true)]
    [InlineData("True-Client-IP", true, true)]
    [InlineData("CF-Connecting-IP", true, true)]
    [InlineData("Fastly-Client-IP", true, true)]
    [InlineData("X-Client-IP", true, true)]
    [InlineData("X-Cluster-Client-IP", true, true)]
    [InlineData("Forwarded", true, true)]
    [InlineData("X-Forwarded", true, true)]
    [InlineData("Forwarded-For", true, true)]
    [InlineData("X-Original-URL", true, true)]
    [InlineData("X-Original-For", true, true)]
    [InlineData("X-Rewrite-URL", true, true)]
    [InlineData("X_Forwarded_For", true, true)]
    [InlineData("Client-IP", false, true)]
    [InlineData("X-Azure-ClientIP", false, true)]
    [InlineData("x_envoy_external_address", false, true)]
    [InlineData("X-Forwarded-Server", true, true)]
    [InlineData("X-HTTP-Method-Override", true, true)]
    [InlineData("X-HTTP-Method", true, true)]
    [InlineData("X-Url-Scheme", true, true)]
    [InlineData("X-Forwarded-Host", false, true)]
    [InlineData("X-Forwarded-Host", true, false)]
    [InlineData("X-Forwarded-Proto", false, true)]
    [InlineData("X-Forwarded-Proto", true, false)]
    [InlineData("X-Forwarded-Prefix", false, true)]
    [InlineData("X-Forwarded-For", true, false)]
    [InlineData("X-Botanist", false, false)]
    [InlineData("Forwarded-For-You", false, false)]
    [InlineData("X-Requested-With", false, false)]
    [InlineData("User-Agent", false, false)]
    public void AClientHeader_IsForbidden_ByItsNameAndThePeer(string name, bool fromTrustedProxy, bool forbidden) =>
        Assert.Equal(forbidden, BotHeaders.IsForbiddenFromClient(name, fromTrustedProxy));

    /// <summary>
    /// Headers a client names in Connection go (RFC 9110 §7.6.1), whatever the spacing, case, empty items or repeats,
    /// except those the forwarder manages or the gateway routed by; what it may never send goes unnamed.
    /// </summary>
    [Theory]
    [InlineData("keep-alive", "", "Keep-Alive,Accept")]
    [InlineData("HOST, content-length, Upgrade, kEEP-aLIVE, te, Trailer, Proxy-Connection", "", "Host,Content-Length,Upgrade,Keep-Alive,TE,Trailer,Proxy-Connection,Accept")]
    [InlineData("\tX-Custom\t, ,, x-other ,", "X-Custom,X-Other", "Accept")]
    [InlineData("X-Custom, x-custom", "X-Custom", "Accept")]
    [InlineData("X-Absent, Keep-Alive", "", "Keep-Alive,Accept")]
    [InlineData("", "X-Bot-Score", "Accept")]
    public void StripFromClient_RemovesWhatConnectionNames_AndKeepsWhatTheGatewayNeeds(string connection, string removed, string kept)
    {
        var context = new DefaultHttpContext();
        var headers = context.Request.Headers;
        foreach (var name in new[] { "Host", "Content-Length", "Upgrade", "Keep-Alive", "TE", "Trailer", "Proxy-Connection", "Accept", "X-Other", "X-Bot-Score" })
        {
            headers[name] = "1";
        }

        headers["X-Custom"] = new Microsoft.Extensions.Primitives.StringValues(["a", "b"]);
        headers.Connection = connection;

        BotHeaders.StripFromClient(context);

        Assert.All(removed.Split(',', StringSplitOptions.RemoveEmptyEntries), name => Assert.False(headers.ContainsKey(name), name));
        Assert.All(kept.Split(','), name => Assert.True(headers.ContainsKey(name), name));
    }
}
