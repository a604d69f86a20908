using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// A fixed-length name for text a client chose (a User-Agent, a long message id, a URL): the first 16 bytes of its
/// SHA-256 as 32 lower-case hex digits. Long enough that two texts never share a name in practice, short enough that a
/// key or a token does not cost what the client sent.
/// </summary>
public static class ShortDigest
{
    public static string Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
