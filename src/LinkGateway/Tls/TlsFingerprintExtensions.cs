using LinkGateway.Tls;

namespace Microsoft.AspNetCore.Builder;

public static class TlsFingerprintExtensions
{
    /// <summary>
    /// What the gateway adds to Kestrel's HTTPS endpoints (Kestrel:Endpoints): the JA4 of every TLS ClientHello, and, with
    /// LinkGateway:Tls:CertificateFolder, certificates chosen by SNI from that folder. Kestrel keeps one set of HTTPS defaults,
    /// so both are set here together.
    /// </summary>
    public static WebApplicationBuilder AddGatewayTls(this WebApplicationBuilder builder, GatewayTlsOptions options, string configDirectory)
    {
        var folder = options.CertificateFolderPath(configDirectory);
        if (folder is not null)
        {
            builder.Services.AddSingleton(services => new SniCertificates(folder, services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<ILogger<SniCertificates>>()));
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
#pragma warning disable CS0618 // ListenOptions.UseTlsClientHelloListener, which replaces it, arrives in ASP.NET Core 11.
            https.TlsClientHelloBytesCallback = TlsClientHello.OnClientHello;
#pragma warning restore CS0618
            if (folder is not null)
            {
                // Kestrel asks once per endpoint as it starts, with the container built: the folder is loaded by then.
                var certificates = kestrel.ApplicationServices.GetRequiredService<SniCertificates>();
                https.ServerCertificateSelector = certificates.Select;
                https.OnAuthenticate = certificates.OnAuthenticate;
            }
        }));
        return builder;
    }

    /// <summary>Reads the JA4 a trusted TLS-terminating balancer passes (LinkGateway:Tls:Ja4Header), and strips that header from every request.</summary>
    public static IApplicationBuilder UseTrustedJa4Header(this IApplicationBuilder app, GatewayTlsOptions options) =>
        string.IsNullOrWhiteSpace(options.Ja4Header) ? app : app.UseMiddleware<TrustedJa4HeaderMiddleware>(options.Ja4Header);
}
