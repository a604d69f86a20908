using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LinkGateway.Links;

namespace LinkGateway.Infrastructure;

/// <summary>How a sender writes its links: the configuration that reads them, and the path of each kind of link.</summary>
public sealed class LinkLayout(string name, string? configFile, Func<LinkKind, string, string, string?, DateTimeOffset?, string> path)
{
    /// <summary>config/linkgateway.json: /c/{messageId}/{recipientId}/{linkId}?t=…, /o, /u, /d and /h with message and recipient.</summary>
    public static LinkLayout Demo { get; } = new("demo", null, (kind, message, recipient, link, sentAt) =>
    {
        var prefix = kind switch
        {
            LinkKind.Click => "c",
            LinkKind.Open => "o",
            LinkKind.Unsubscribe => "u",
            LinkKind.Confirm => "d",
            LinkKind.Honeypot => "h",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var target = link is null || kind != LinkKind.Click ? $"/{prefix}/{message}/{recipient}" : $"/{prefix}/{message}/{recipient}/{link}";
        return sentAt is { } sent ? $"{target}?t={sent.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}" : target;
    });

    /// <summary>config/examples/opaque-token.json: /t, /p, /x and /n, each with base64url of {"m", "r", "l", "t"}.</summary>
    public static LinkLayout OpaqueToken { get; } = new("opaque-token", System.IO.Path.Combine(RepoFiles.Root, "config", "examples", "opaque-token.json"),
        (kind, message, recipient, link, sentAt) =>
        {
            var prefix = kind switch
            {
                LinkKind.Click => "t",
                LinkKind.Open => "p",
                LinkKind.Unsubscribe => "x",
                LinkKind.Honeypot => "n",
                _ => throw new ArgumentOutOfRangeException(nameof(kind), "the opaque-token example has no route of this kind"),
            };
            return $"/{prefix}/{Token(message, recipient, link, sentAt)}";
        });

    public string? ConfigFile { get; } = configFile;

    public string Path(LinkKind kind, string message, string recipient, string? link = null, DateTimeOffset? sentAt = null) =>
        path(kind, message, recipient, link, sentAt);

    /// <summary>Base64url, unpadded, of the JSON {"m": message, "r": recipient, "l": link, "t": unix seconds}, absent fields left out.</summary>
    public static string Token(string? message, string? recipient, string? link, DateTimeOffset? sentAt)
    {
        var fields = new Dictionary<string, object>();
        void Add(string key, object? value)
        {
            if (value is not null)
            {
                fields[key] = value;
            }
        }

        Add("m", message);
        Add("r", recipient);
        Add("l", link);
        Add("t", sentAt?.ToUnixTimeSeconds());
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(fields)));
    }

    public override string ToString() => name;
}
