using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Memory;
using Microsoft.AspNetCore.DataProtection;

namespace LinkGateway.Interstitial;

/// <summary>
/// The client a pass is bound to: its network (/24 IPv4, /48 IPv6: <see cref="NetworkPrefix"/>) and a hash of its
/// User-Agent. A person keeps both between the page and the button, even when the address changes within its network; a
/// scanner that fetches the page from one host and posts the token, or follows the 303, from another does not. A person
/// whose network changes in between (Wi-Fi to mobile) sees the page once more.
/// </summary>
public readonly record struct PassHolder(string Network, string UserAgentHash)
{
    public static PassHolder Of(RequestFingerprint fingerprint) => Of(fingerprint.ClientAddress, fingerprint.UserAgent);

    // The payload is encrypted: the hash only keeps a long User-Agent from making every token long.
    public static PassHolder Of(IPAddress? address, string? userAgent) =>
        new(NetworkPrefix.Of(address) ?? "-", ShortDigest.Of(userAgent ?? string.Empty));
}

/// <summary>A pass that decrypted, has not expired and is bound to the URL and the client at hand; not yet used.</summary>
/// <param name="IssuedAt">When the page (for a token) or the 303 (for a cookie) was answered.</param>
public readonly record struct PassTicket(PassKind Kind, string Nonce, DateTimeOffset IssuedAt);

/// <summary>
/// The interstitial's pass: a token in the page's form, then a cookie for the one request that
/// follows. Both are ASP.NET Core Data Protection payloads (authenticated, encrypted, time-limited;
/// keys shared through Redis so any node accepts any node's token), bound to one URL and one client
/// (<see cref="PassHolder"/>), stamped with the
/// time they were issued (the shield asks for a person's dwell time between page and button), and carry a
/// nonce that can be used once (<see cref="SingleUseMarks"/>: on every node, through a store outage too).
/// </summary>
public sealed class PassTokens
{
    private readonly ITimeLimitedDataProtector _tokens;
    private readonly ITimeLimitedDataProtector _cookies;
    private readonly ITimeLimitedDataProtector _done;
    private readonly SingleUseMarks _marks;
    private readonly ShieldOptions _options;
    private readonly TimeProvider _time;

    public PassTokens(IDataProtectionProvider protection, SingleUseMarks marks, ShieldOptions options, TimeProvider time)
    {
        _tokens = protection.CreateProtector("LinkGateway.Interstitial.PassToken.v3").ToTimeLimitedDataProtector();
        _cookies = protection.CreateProtector("LinkGateway.Interstitial.PassCookie.v3").ToTimeLimitedDataProtector();
        _done = protection.CreateProtector("LinkGateway.Interstitial.Done.v1").ToTimeLimitedDataProtector();
        _marks = marks;
        _options = options;
        _time = time;
    }

    public string IssueToken(string target, PassHolder holder) => IssueToken(target, holder, _time.GetUtcNow() + _options.PassLifetime);

    /// <summary>A token for <paramref name="target"/> (path and query) and <paramref name="holder"/> that expires at <paramref name="expiresAt"/>.</summary>
    public string IssueToken(string target, PassHolder holder, DateTimeOffset expiresAt) => _tokens.Protect(Payload(target, holder, PassKind.Click), expiresAt);

    public string IssueCookie(string target, PassKind kind, PassHolder holder) =>
        _cookies.Protect(Payload(target, holder, kind), _time.GetUtcNow() + _options.CookieLifetime);

    /// <summary>The page's token, when it is genuine, unexpired and bound to <paramref name="target"/> and <paramref name="holder"/>; nothing is used up.</summary>
    public bool TryReadToken(string? token, string target, PassHolder holder, out PassTicket ticket) => TryRead(_tokens, token, target, holder, out ticket);

    /// <summary>Uses up a token's nonce: true once, on every node.</summary>
    public async ValueTask<bool> ConsumeTokenAsync(PassTicket ticket, CancellationToken cancellationToken) =>
        await _marks.TryConsumeAsync(ticket.Nonce, _options.PassLifetime, cancellationToken).ConfigureAwait(false);

    /// <summary>The cookie's pass for <paramref name="target"/> and <paramref name="holder"/>, used up by this call; null when there is none or it was used.</summary>
    public async ValueTask<PassKind?> RedeemCookieAsync(string? cookie, string target, PassHolder holder, CancellationToken cancellationToken) =>
        TryRead(_cookies, cookie, target, holder, out var ticket)
        && await _marks.TryConsumeAsync(ticket.Nonce, _options.CookieLifetime, cancellationToken).ConfigureAwait(false)
            ? ticket.Kind
            : null;

    /// <summary>The completed mark for <paramref name="target"/> and <paramref name="holder"/>, valid <see cref="ShieldOptions.DoneLifetime"/>.</summary>
    public string IssueDone(string target, PassHolder holder) =>
        _done.Protect(Payload(target, holder, PassKind.Click), _time.GetUtcNow() + _options.DoneLifetime);

    /// <summary>
    /// The completed mark is genuine, unexpired and bound to <paramref name="target"/> and <paramref name="holder"/>. It is
    /// not used up: it shows the completed page as often as the person reloads, and lets nothing through.
    /// </summary>
    public bool IsDone(string? cookie, string target, PassHolder holder) => TryRead(_done, cookie, target, holder, out _);

    // The URL is bound by its digest, as the User-Agent is: a token or cookie that held the URL itself grew with it, and
    // one of a link past about 2,800 characters was longer than TryRead takes (and than a browser keeps as a cookie), so a
    // person on a long unsubscribe link got the page again on every press.
    private string Payload(string target, PassHolder holder, PassKind kind) => string.Create(CultureInfo.InvariantCulture,
        $"{(int)kind}\n{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}\n{_time.GetUtcNow().ToUnixTimeMilliseconds()}\n{holder.Network}\n{holder.UserAgentHash}\n{ShortDigest.Of(target)}");

    private static bool TryRead(ITimeLimitedDataProtector protector, string? value, string target, PassHolder holder, out PassTicket ticket)
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

        var parts = payload.Split('\n', 6);
        // A payload issued before 2026-11-30 holds the URL itself: still read, for the day its completed mark may live.
        if (parts.Length != 6 || (parts[5] != ShortDigest.Of(target) && parts[5] != target) || parts[3] != holder.Network || parts[4] != holder.UserAgentHash
            || !Enum.TryParse<PassKind>(parts[0], out var kind)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var issuedMs))
        {
            return false;
        }

        ticket = new PassTicket(kind, parts[1], DateTimeOffset.FromUnixTimeMilliseconds(issuedMs));
        return true;
    }
}
