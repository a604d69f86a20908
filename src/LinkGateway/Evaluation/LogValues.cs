using System.Globalization;
using System.Net;

namespace LinkGateway.Evaluation;

/// <summary>The values every log format spells in its own way: times, client addresses, request lines.</summary>
public static class LogValues
{
    private static readonly DateTimeOffset _latest = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A time as logs write it: ISO 8601 / RFC 3339 (nginx <c>$time_iso8601</c>, ALB, Cloudflare's <c>rfc3339</c>), the
    /// common log format's <c>dd/MMM/yyyy:HH:mm:ss zzz</c> (nginx <c>$time_local</c>), or unix time in seconds (with a
    /// fraction, as nginx's <c>$msec</c>), milliseconds, microseconds or nanoseconds (Cloudflare's <c>unix</c> and
    /// <c>unixnano</c>), told apart by magnitude. Times without a zone are UTC, as W3C logs are.
    /// </summary>
    public static bool TryTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return TryUnix(number, out time);
        }

        return DateTimeOffset.TryParseExact(text, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out time)
               || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>Unix time of any of the four resolutions: values up to 10^11 are seconds (until the year 5138), then ms, µs, ns.</summary>
    public static bool TryUnix(decimal value, out DateTimeOffset time)
    {
        time = default;
        var seconds = value < 1e11m ? value : value < 1e14m ? value / 1e3m : value < 1e17m ? value / 1e6m : value / 1e9m;
        if (seconds <= 0 || seconds > (decimal)(_latest - DateTimeOffset.UnixEpoch).TotalSeconds)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>
    /// A client address: plain, with a port (<c>192.0.2.1:443</c>, <c>[2001:db8::1]:443</c>), or an X-Forwarded-For list,
    /// of which the last entry is taken: the one the closest proxy added, while the entries before it are the client's
    /// own claim. Null for none or no address (<c>-</c>, a host name).
    /// </summary>
    public static IPAddress? Address(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var last = text.AsSpan();
        if (last.LastIndexOf(',') is var comma and >= 0)
        {
            last = last[(comma + 1)..];
        }

        last = last.Trim();
        if (IPAddress.TryParse(last, out var address))
        {
            return address;
        }

        // [IPv6]:port or IPv4 with a port; an unbracketed IPv6 with a port (as ALB writes it) loses its last group here.
        return WithoutPort(last);
    }

    /// <summary>
    /// An address that always carries a port (<c>client:port</c> of ALB): the port is taken off first, since
    /// <c>2001:db8::9:443</c> would also read as an IPv6 address of its own.
    /// </summary>
    public static IPAddress? AddressWithPort(string? text) => WithoutPort((text ?? string.Empty).AsSpan().Trim());

    /// <summary>The address of <c>[address]:port</c>, <c>[address]</c> or <c>address:port</c>.</summary>
    private static IPAddress? WithoutPort(ReadOnlySpan<char> text)
    {
        if (text.StartsWith("[") && text.IndexOf(']') is var close and > 0)
        {
            return IPAddress.TryParse(text[1..close], out var bracketed) ? bracketed : null;
        }

        return text.LastIndexOf(':') is var colon and > 0 && IPAddress.TryParse(text[..colon], out var address) ? address : null;
    }

    /// <summary>Method and target of a request line (<c>GET /c/m/r/l?t=1 HTTP/1.1</c>); an absolute target keeps its path and query.</summary>
    public static bool TryRequestLine(string? line, out string method, out string target)
    {
        method = target = string.Empty;
        var parts = (line ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[0] == "-")
        {
            return false;
        }

        method = parts[0];
        target = PathAndQuery(parts[1]);
        return target.Length > 0;
    }

    /// <summary>
    /// The path and query of a request target, as written: <c>https://host:443/a?b</c> gives <c>/a?b</c>. Not through
    /// <see cref="Uri"/>, which would remove dot segments and decode the path that the gateway judges as sent.
    /// </summary>
    public static string PathAndQuery(string target)
    {
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || target[0] == '/')
        {
            return target;
        }

        var slash = target.IndexOf('/', scheme + 3);
        var query = target.IndexOf('?', scheme + 3);
        return slash >= 0 && (query < 0 || slash < query) ? target[slash..] : query >= 0 ? "/" + target[query..] : "/";
    }

    /// <summary>"-" is how the text formats write "nothing here".</summary>
    public static string? Dash(string? value) => value is null or "-" or "" ? null : value;
}
