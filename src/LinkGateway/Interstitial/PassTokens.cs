using System.Security.Cryptography;
using LinkGateway.Hosting;
using LinkGateway.Memory;
using Microsoft.AspNetCore.DataProtection;

namespace LinkGateway.Interstitial;

/// <summary>How a pass was earned.</summary>
public enum PassKind : byte
{
    /// <summary>A person pressed the button.</summary>
    Click,
    /// <summary>The click interstitial's script continued by itself.</summary>
    Script,
}

/// <summary>
/// The interstitial's pass: a token in the page's form, then a cookie for the one request that
/// follows. Both are ASP.NET Core Data Protection payloads (authenticated, encrypted, time-limited;
/// keys shared through Redis so any node accepts any node's token), bound to one URL, and carry a
/// nonce that the store lets be used once.
/// </summary>
public sealed class PassTokens
{
    private readonly ITimeLimitedDataProtector _tokens;
    private readonly ITimeLimitedDataProtector _cookies;
    private readonly IGatewayMemory _memory;
    private readonly ShieldOptions _options;
    private readonly TimeProvider _time;

    public PassTokens(IDataProtectionProvider protection, IGatewayMemory memory, LinkGatewayOptions options, TimeProvider time)
    {
        _tokens = protection.CreateProtector("LinkGateway.Interstitial.PassToken.v1").ToTimeLimitedDataProtector();
        _cookies = protection.CreateProtector("LinkGateway.Interstitial.PassCookie.v1").ToTimeLimitedDataProtector();
        _memory = memory;
        _options = options.Shield;
        _time = time;
    }

    public string IssueToken(string target) => IssueToken(target, _time.GetUtcNow() + _options.PassLifetime);

    /// <summary>A token for <paramref name="target"/> (path and query) that expires at <paramref name="expiresAt"/>.</summary>
    public string IssueToken(string target, DateTimeOffset expiresAt) => _tokens.Protect(Payload(target, PassKind.Click), expiresAt);

    public async ValueTask<bool> RedeemTokenAsync(string? token, string target, CancellationToken cancellationToken) =>
        await RedeemAsync(_tokens, token, target, _options.PassLifetime, cancellationToken).ConfigureAwait(false) is not null;

    public string IssueCookie(string target, PassKind kind) => _cookies.Protect(Payload(target, kind), _time.GetUtcNow() + _options.CookieLifetime);

    public ValueTask<PassKind?> RedeemCookieAsync(string? cookie, string target, CancellationToken cancellationToken) =>
        RedeemAsync(_cookies, cookie, target, _options.CookieLifetime, cancellationToken);

    private static string Payload(string target, PassKind kind) =>
        $"{(int)kind}\n{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}\n{target}";

    private async ValueTask<PassKind?> RedeemAsync(ITimeLimitedDataProtector protector, string? value, string target, TimeSpan lifetime,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 4096)
        {
            return null;
        }

        string payload;
        try
        {
            payload = protector.Unprotect(value); // throws when forged, tampered with or expired
        }
        catch (CryptographicException)
        {
            return null;
        }

        var parts = payload.Split('\n', 3);
        if (parts.Length != 3 || parts[2] != target || !Enum.TryParse<PassKind>(parts[0], out var kind))
        {
            return null;
        }

        return await _memory.TryConsumeAsync(parts[1], lifetime, cancellationToken).ConfigureAwait(false) ? kind : null;
    }
}
