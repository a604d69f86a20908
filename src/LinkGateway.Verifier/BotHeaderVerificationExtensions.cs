using LinkGateway.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

public static class BotHeaderVerificationExtensions
{
    /// <summary>
    /// Verifies the X-Bot-* headers of every request and exposes the outcome as <see cref="IBotVerdictFeature"/>
    /// (<c>HttpContext.Features.Get&lt;IBotVerdictFeature&gt;()</c>). A refused key stops start-up here (an <c>OptionsValidationException</c> naming the setting), not at the first request.
    /// </summary>
    public static IApplicationBuilder UseBotHeaderVerification(this IApplicationBuilder app)
    {
        var verifier = app.ApplicationServices.GetService<BotHeaderVerifier>()
                       ?? throw new InvalidOperationException("UseBotHeaderVerification() needs services.AddBotHeaderVerification(options => options.Key = ...).");
        return app.UseMiddleware<BotHeaderVerificationMiddleware>(verifier);
    }
}
