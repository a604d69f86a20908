using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Signing;

/// <summary>
/// The verdict a click route carries on to its landing page (route Metadata "LandingVerdict"), as one value
/// <c>{verdict}.{timestamp}.{mac}</c>: the verdict (<c>suspect</c> or <c>bot</c>; <c>human</c> only where a route asks), the
/// Unix time in seconds, and the base64url HMAC-SHA256, with the gateway's signing key, of
/// <code>lg_v1\n{verdict}\n{timestamp}\n{host}</code>
/// where host is the landing page's host in lower case (the redirect's; for the cookie, the tracking domain's). Binding the
/// host keeps a value taken from one site's URLs from being replayed on another's. One implementation for both sides: the
/// gateway signs with it, and a site's back end can verify with it (docs/operations/origin-integration.md).
/// </summary>
public sealed class LandingVerdictSignature
{
    /// <summary>The query parameter and cookie name.</summary>
    public const string Name = "lg_v";

    private readonly byte[] _key;

    public LandingVerdictSignature(byte[] key)
    {
        if (key.Length < BotHeaderSignature.MinimumKeyBytes)
        {
            throw new ArgumentException($"The signing key must be at least {BotHeaderSignature.MinimumKeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    public string Sign(string verdict, long timestamp, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"{verdict}.{timestamp}.{Mac(verdict, timestamp, host)}");

    /// <summary>
    /// The verdict of <paramref name="value"/> when its MAC holds for <paramref name="host"/> and it is at most
    /// <paramref name="maxAge"/> old at <paramref name="now"/>; null otherwise (forged, another host's, expired, malformed).
    /// </summary>
    public string? Verify(string? value, string host, DateTimeOffset now, TimeSpan maxAge)
    {
        if (value is null || value.Length > 128)
        {
            return null;
        }

        var parts = value.Split('.');
        if (parts.Length != 3 || parts[0] is not ("human" or "suspect" or "bot")
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return null;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(Math.Min(timestamp, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (age > maxAge || age < -TimeSpan.FromMinutes(5))
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Mac(parts[0], timestamp, host));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[2])) ? parts[0] : null;
    }

    public static string CanonicalString(string verdict, long timestamp, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"lg_v1\n{verdict}\n{timestamp}\n{host.ToLowerInvariant()}");

    private string Mac(string verdict, long timestamp, string host)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(CanonicalString(verdict, timestamp, host)));
        return Base64Url.EncodeToString(mac);
    }
}
