using LinkGateway.Tls;

namespace Microsoft.AspNetCore.Builder;

public static class TlsFingerprintExtensions
{
    /// <summary>Computes the JA4 of every TLS ClientHello on Kestrel's HTTPS endpoints (configured under Kestrel:Endpoints).</summary>
    public static WebApplicationBuilder AddTlsFingerprint(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
#pragma warning disable CS0618 // ListenOptions.UseTlsClientHelloListener, which replaces it, arrives in ASP.NET Core 11.
            https.TlsClientHelloBytesCallback = TlsClientHello.OnClientHello;
#pragma warning restore CS0618
        }));
        return builder;
    }

    /// <summary>Reads the JA4 a trusted TLS-terminating balancer passes (LinkGateway:Tls:Ja4Header), and strips that header from every request.</summary>
    public static IApplicationBuilder UseTrustedJa4Header(this IApplicationBuilder app, TlsOptions options) =>
        string.IsNullOrWhiteSpace(options.Ja4Header) ? app : app.UseMiddleware<TrustedJa4HeaderMiddleware>(options.Ja4Header);
}
