using System.Globalization;
using System.Security.Cryptography;
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

/// <summary>A pass that decrypted, has not expired and is bound to the URL at hand; not yet used.</summary>
/// <param name="IssuedAt">When the page (for a token) or the 303 (for a cookie) was answered.</param>
public readonly record struct PassTicket(PassKind Kind, string Nonce, DateTimeOffset IssuedAt);

/// <summary>
/// The interstitial's pass: a token in the page's form, then a cookie for the one request that
/// follows. Both are ASP.NET Core Data Protection payloads (authenticated, encrypted, time-limited;
/// keys shared through Redis so any node accepts any node's token), bound to one URL, stamped with the
/// time they were issued (the shield asks for a person's dwell time between page and button), and carry a
/// nonce that can be used once (<see cref="SingleUseMarks"/>: on every node, through a store outage too).
/// </summary>
public sealed class PassTokens
{
    private readonly ITimeLimitedDataProtector _tokens;
    private readonly ITimeLimitedDataProtector _cookies;
    private readonly SingleUseMarks _marks;
    private readonly ShieldOptions _options;
    private readonly TimeProvider _time;

    public PassTokens(IDataProtectionProvider protection, SingleUseMarks marks, ShieldOptions options, TimeProvider time)
    {
        _tokens = protection.CreateProtector("LinkGateway.Interstitial.PassToken.v2").ToTimeLimitedDataProtector();
        _cookies = protection.CreateProtector("LinkGateway.Interstitial.PassCookie.v2").ToTimeLimitedDataProtector();
        _marks = marks;
        _options = options;
        _time = time;
    }

    public string IssueToken(string target) => IssueToken(target, _time.GetUtcNow() + _options.PassLifetime);

    /// <summary>A token for <paramref name="target"/> (path and query) that expires at <paramref name="expiresAt"/>.</summary>
    public string IssueToken(string target, DateTimeOffset expiresAt) => _tokens.Protect(Payload(target, PassKind.Click), expiresAt);

    public string IssueCookie(string target, PassKind kind) => _cookies.Protect(Payload(target, kind), _time.GetUtcNow() + _options.CookieLifetime);

    /// <summary>The page's token, when it is genuine, unexpired and bound to <paramref name="target"/>; nothing is used up.</summary>
    public bool TryReadToken(string? token, string target, out PassTicket ticket) => TryRead(_tokens, token, target, out ticket);

    /// <summary>Uses up a token's nonce: true once, on every node.</summary>
    public async ValueTask<bool> ConsumeTokenAsync(PassTicket ticket, CancellationToken cancellationToken) =>
        await _marks.TryConsumeAsync(ticket.Nonce, _options.PassLifetime, cancellationToken).ConfigureAwait(false);

    /// <summary>The cookie's pass for <paramref name="target"/>, used up by this call; null when there is none or it was used.</summary>
    public async ValueTask<PassKind?> RedeemCookieAsync(string? cookie, string target, CancellationToken cancellationToken) =>
        TryRead(_cookies, cookie, target, out var ticket)
        && await _marks.TryConsumeAsync(ticket.Nonce, _options.CookieLifetime, cancellationToken).ConfigureAwait(false)
            ? ticket.Kind
            : null;

    private string Payload(string target, PassKind kind) => string.Create(CultureInfo.InvariantCulture,
        $"{(int)kind}\n{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}\n{_time.GetUtcNow().ToUnixTimeMilliseconds()}\n{target}");

    private static bool TryRead(ITimeLimitedDataProtector protector, string? value, string target, out PassTicket ticket)
    {
        ticket = default;
        if (string.IsNullOrEmpty(value) || value.Length > 4096)
        {
            return false;
        }

        string payload;
        try
        {
            payload = protector.Unprotect(value); // throws when forged, tampered with or expired
        }
        catch (CryptographicException)
        {
            return false;
        }

        var parts = payload.Split('\n', 4);
        if (parts.Length != 4 || parts[3] != target
            || !Enum.TryParse<PassKind>(parts[0], out var kind)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var issuedMs))
        {
            return false;
        }

        ticket = new PassTicket(kind, parts[1], DateTimeOffset.FromUnixTimeMilliseconds(issuedMs));
        return true;
    }
}
