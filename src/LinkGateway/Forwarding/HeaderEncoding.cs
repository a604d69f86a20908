using System.Text;

namespace LinkGateway.Forwarding;

/// <summary>
/// The one text encoding of request header values on both sides of the gateway. Real apps put UTF-8 in their
/// User-Agent ("QQ浏览器/…", "Подкасты/… CFNetwork"); Kestrel decodes with it and the forwarder encodes with it,
/// so the origin receives the bytes the client sent. Bytes that are not UTF-8 (Latin-1 from old apps) become
/// U+FFFD instead of a 400: the person keeps the click, the origin gets valid UTF-8, the signatures still match.
/// </summary>
internal static class HeaderEncoding
{
    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
}
