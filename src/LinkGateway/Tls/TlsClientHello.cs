using System.Buffers;
using LinkGateway.Fingerprinting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace LinkGateway.Tls;

/// <summary>
/// The request's TLS fingerprint: Kestrel hands over the raw ClientHello before the handshake, and its JA4 is kept
/// with the connection (every request on it, HTTP/1.1 or HTTP/2, comes from the same TLS client). Behind a
/// TLS-terminating load balancer it comes instead from a header that only trusted proxies may set, and that one
/// is kept with the request alone: a keep-alive balancer sends other people's requests on the same connection.
/// </summary>
public static class TlsClientHello
{
    private const string ConnectionItemKey = "LinkGateway.Ja4";
    private const string ServerNameItemKey = "LinkGateway.ServerName";

    // A key no other code can write under in HttpContext.Items.
    private static readonly object _requestItemKey = new();

    /// <summary>Kestrel's callback on every HTTPS endpoint (HttpsConnectionAdapterOptions.TlsClientHelloBytesCallback).</summary>
    public static void OnClientHello(ConnectionContext connection, ReadOnlySequence<byte> record)
    {
        // The callback may not keep the sequence; a ClientHello fits on the stack or in one small array.
        var computed = record.IsSingleSegment
            ? Ja4.TryCompute(record.FirstSpan, out var ja4, out var serverName)
            : Ja4.TryCompute(record.ToArray(), out ja4, out serverName);
        if (computed)
        {
            connection.Items[ConnectionItemKey] = ja4;
            if (serverName is not null)
            {
                connection.Items[ServerNameItemKey] = serverName;
            }
        }
    }

    /// <summary>The server name (SNI) of the connection's ClientHello, read before the handshake; null when it had none.</summary>
    public static string? ServerNameOf(ConnectionContext connection) =>
        connection.Items.TryGetValue(ServerNameItemKey, out var name) ? name as string : null;

    /// <summary>The JA4 of the request's connection, else the one a trusted balancer sent with this request; null over plain HTTP.</summary>
    public static string? Ja4Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ConnectionItemKey, out var own) == true && own is string ja4
            ? ja4
            : context.Items.TryGetValue(_requestItemKey, out var passed) ? passed as string : null;

    /// <summary>Records, for this request only, a JA4 a trusted load balancer passed (the connection's own ClientHello, when there is one, wins).</summary>
    public static void SetFromTrustedProxy(HttpContext context, string ja4) => context.Items[_requestItemKey] = ja4;
}
