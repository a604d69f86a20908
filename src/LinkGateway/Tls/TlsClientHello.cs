using System.Buffers;
using LinkGateway.Fingerprinting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace LinkGateway.Tls;

/// <summary>
/// The connection's TLS fingerprint: Kestrel hands over the raw ClientHello before the handshake, its JA4 is kept
/// with the connection (every request on it, HTTP/1.1 or HTTP/2, reads the same), or, behind a TLS-terminating
/// load balancer, taken from a header that only trusted proxies may set.
/// </summary>
public static class TlsClientHello
{
    private const string ItemKey = "LinkGateway.Ja4";

    /// <summary>Kestrel's callback on every HTTPS endpoint (HttpsConnectionAdapterOptions.TlsClientHelloBytesCallback).</summary>
    public static void OnClientHello(ConnectionContext connection, ReadOnlySequence<byte> record)
    {
        // The callback may not keep the sequence; a ClientHello fits on the stack or in one small array.
        var computed = record.IsSingleSegment
            ? Ja4.TryCompute(record.FirstSpan, out var ja4)
            : Ja4.TryCompute(record.ToArray(), out ja4);
        if (computed)
        {
            connection.Items[ItemKey] = ja4;
        }
    }

    /// <summary>The JA4 of the request's connection, or from the trusted header; null over plain HTTP.</summary>
    public static string? Ja4Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ItemKey, out var value) == true ? value as string : null;

    /// <summary>Records a JA4 a trusted load balancer passed (the connection's own ClientHello, when there is one, wins).</summary>
    public static void SetFromTrustedProxy(HttpContext context, string ja4)
    {
        if (context.Features.Get<IConnectionItemsFeature>() is { } items)
        {
            items.Items.TryAdd(ItemKey, ja4);
        }
    }
}
