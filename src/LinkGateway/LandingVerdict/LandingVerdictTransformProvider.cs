using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Paths;
using LinkGateway.Signing;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LinkGateway.LandingVerdict;

/// <summary>
/// On click routes whose Metadata asks for it ("LandingVerdict": query or cookie), carries a suspect or bot verdict on to
/// the landing page when the origin answers a redirect, so the site's analytics can drop scanner sessions: a signed
/// <c>lg_v</c> parameter appended to the origin's own absolute http(s) Location, or a signed <c>lg_v</c> cookie on the
/// tracking domain. Nothing else about the redirect changes: the target is the origin's, never one from the request, so
/// this opens no redirect; a relative or non-http(s) Location is left as it is. People's clicks carry nothing unless the
/// route says so ("LandingVerdictFrom": human).
/// </summary>
internal sealed class LandingVerdictTransformProvider(LandingVerdictSignature signature, RoutePolicies routes, TimeProvider time) : ITransformProvider
{
    /// <summary>How long the cookie lives: about one analytics session.</summary>
    public static readonly TimeSpan CookieLifetime = TimeSpan.FromMinutes(30);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    // YARP builds transforms again on every config change; the route's policy is the one the guard reads (RoutePolicies).
    public void Apply(TransformBuilderContext context)
    {
        if (routes.For(context.Route) is not { LandingVerdict: not LandingVerdictMode.Off } policy)
        {
            return;
        }

        context.AddResponseTransform(response =>
        {
            Carry(response, policy);
            return ValueTask.CompletedTask;
        });
    }

    private void Carry(ResponseTransformContext context, RoutePolicy policy)
    {
        var http = context.HttpContext;
        var status = context.ProxyResponse?.StatusCode is { } code ? (int)code : 0;
        // The guard may have judged the request as a shielded route its path could reach: then it is not this click.
        if (status is < 300 or > 399 || http.Features.Get<LinkGuardFeature>() is not { Kind: LinkKind.Click } guard
            || !policy.CarriesLandingVerdict(guard.Verdict.Kind))
        {
            return;
        }

        var headers = http.Response.Headers;
        if (headers.Location is not [{ } location])
        {
            return;
        }

        var verdict = guard.Verdict.KindName;
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        if (policy.LandingVerdict == LandingVerdictMode.Query)
        {
            if (Uri.TryCreate(location, UriKind.Absolute, out var target) && (target.Scheme == Uri.UriSchemeHttps || target.Scheme == Uri.UriSchemeHttp))
            {
                headers.Location = WithParameter(location, signature.Sign(verdict, timestamp, target.IdnHost));
            }

            return;
        }

        http.Response.Cookies.Append(LandingVerdictSignature.Name, signature.Sign(verdict, timestamp, http.Request.Host.Host), new CookieOptions
        {
            // Readable by the tracking domain's own pages and scripts: it holds a verdict, nothing secret, and is signed.
            Path = "/",
            HttpOnly = false,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = CookieLifetime,
        });
    }

    /// <summary>
    /// The Location with <c>lg_v=value</c> appended to its query, before any fragment, and any <c>lg_v</c> it carried already
    /// taken out (two values would read as neither); everything else as the origin wrote it.
    /// </summary>
    public static string WithParameter(string location, string value)
    {
        var hash = location.IndexOf('#', StringComparison.Ordinal);
        var head = hash < 0 ? location : location[..hash];
        var fragment = hash < 0 ? string.Empty : location[hash..];
        if (head.IndexOf('?', StringComparison.Ordinal) is var question and >= 0)
        {
            var kept = head[(question + 1)..].Split('&').Select(WithoutTheVerdict).OfType<string>();
            head = head[..(question + 1)] + string.Join('&', kept);
        }

        var separator = !head.Contains('?', StringComparison.Ordinal) ? "?" : head.EndsWith('?') || head.EndsWith('&') ? string.Empty : "&";
        return $"{head}{separator}{LandingVerdictSignature.Name}={value}{fragment}";
    }

    /// <summary>
    /// The query part is an <c>lg_v</c> as some landing page would read it: query names are matched ignoring case
    /// (ASP.NET Core) and percent-decoded (every framework), and a first value wins in some (Node's and Go's <c>get</c>), so
    /// an <c>lg_V=</c> or <c>lg%5Fv=</c> that a client got reflected into the origin's Location would stand beside the
    /// gateway's or before it.
    /// </summary>
    /// <summary>
    /// A query part without the <c>lg_v</c> it holds; null when nothing else is left. Some parsers split on ';' as well as
    /// '&amp;' (Python's before 3.9.2, older CGI and Java servlet containers), so <c>a=1;lg_v=forged</c> holds one too.
    /// </summary>
    private static string? WithoutTheVerdict(string part)
    {
        if (!part.Contains(';', StringComparison.Ordinal))
        {
            return NamesTheVerdict(part) ? null : part;
        }

        var kept = part.Split(';').Where(piece => !NamesTheVerdict(piece)).ToList();
        return kept.Count == 0 ? null : string.Join(';', kept);
    }

    private static bool NamesTheVerdict(string part)
    {
        var equals = part.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? part : part[..equals];
        return Uri.UnescapeDataString(name).Equals(LandingVerdictSignature.Name, StringComparison.OrdinalIgnoreCase);
    }
}
