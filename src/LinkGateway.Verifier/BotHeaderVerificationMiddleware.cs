using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace LinkGateway.Verification;

/// <summary>Verifies the X-Bot-* headers of every request and sets <see cref="IBotVerdictFeature"/>; it never answers a request itself.</summary>
internal sealed class BotHeaderVerificationMiddleware(RequestDelegate next, BotHeaderVerifier verifier, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = request.Headers;
        // The target as it arrived, byte for byte: the gateway signs what it sends, and the decoded Path and QueryString
        // spell some characters differently (docs/reference/header-contract.md).
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var verdict = verifier.Verify(name => Single(headers[name]), request.Method, target, time.GetUtcNow().ToUnixTimeSeconds());
        context.Features.Set<IBotVerdictFeature>(verdict);
        return next(context);
    }

    // The gateway writes each header once; two values did not come from it alone.
    private static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;
}
