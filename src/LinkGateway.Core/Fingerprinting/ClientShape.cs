using System.IO.Hashing;
using System.Text;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// A stable key for "the same client software from the same network": User-Agent, the shape of the
/// headers (which ones were there, not their values) and the network prefix. Stable across processes
/// (XxHash3, not string.GetHashCode), so every node computes the same key for <c>tag.fingerprint</c>.
/// </summary>
public static class ClientShape
{
    /// <param name="prefix">The client's <see cref="NetworkPrefix"/>, which the caller has already computed for the request.</param>
    public static string Key(in RequestFingerprint request, string? prefix)
    {
        // X-Requested-With is left out: it is a claim of personhood that costs nothing to add, and adding it must not
        // make tagged software look like other software.
        var shape = (request.HasAcceptLanguage ? 1 : 0) | (request.HasSecFetch ? 2 : 0) | (request.IsSecureContext ? 4 : 0)
                    | (string.IsNullOrEmpty(request.Accept) ? 0 : request.Accept == "*/*" ? 8 : 16);
        var text = $"{request.UserAgent}\n{shape}\n{prefix}";
        return Convert.ToHexStringLower(BitConverter.GetBytes(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text))));
    }
}
