using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using LinkGateway.Links;
using LinkGateway.Signing;

namespace LinkGateway.DemoOrigin;

/// <summary>
/// A small ESP-like origin: it records clicks, opens and unsubscribes the way a real one would (an
/// unsubscribe on GET included, which is what the gateway protects), verifies the gateway's signature,
/// and shows what it recorded at /_origin/events. Used by --demo, docker-compose and the tests.
/// </summary>
public static class DemoOriginApp
{
    /// <param name="args">Command-line arguments (e.g. --urls).</param>
    /// <param name="signingKey">The gateway's key, to verify X-Bot-Signature; null to skip verification.</param>
    public static WebApplication Create(string[] args, byte[]? signingKey = null)
    {
        // No appsettings.json to watch (each watcher costs an inotify instance, 128 per user by default).
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        signingKey ??= BotHeaderSignature.TryParseKey(builder.Configuration["Origin:SigningKey"], out _);
        builder.Services.AddSingleton<OriginLedger>();

        var app = builder.Build();
        var ledger = app.Services.GetRequiredService<OriginLedger>();
        var verifier = signingKey is null ? null : new BotHeaderSignature(signingKey);

        async Task<IResult> Click(HttpContext http, string? messageId, string? recipientId, string? linkId)
        {
            await RecordAsync(http, ledger, verifier, "click", messageId, recipientId, linkId);
            // A fixed local landing page: an origin that redirects to a URL taken from the request is an open redirect.
            return Results.Redirect($"/landing?link={Uri.EscapeDataString(linkId ?? "")}");
        }

        async Task<IResult> Open(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifier, "open", messageId, recipientId, null);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(TransparentGif.Bytes.ToArray(), TransparentGif.ContentType);
        }

        // Legacy unsubscribe: a GET unsubscribes. RFC 8058 one-click arrives as a POST and gets a 200, never a redirect.
        async Task<IResult> Unsubscribe(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifier, "unsubscribe", messageId, recipientId, null);
            return Results.Content(Page("Unsubscribed", "You will not receive these emails any more."), "text/html; charset=utf-8");
        }

        async Task<IResult> Honeypot(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifier, "honeypot", messageId, recipientId, null);
            return Results.Content(Page("Not found", "There is nothing here."), "text/html; charset=utf-8");
        }

        app.MapMethods("/c/{messageId}/{recipientId}/{linkId}", ["GET", "HEAD"], (HttpContext http, string messageId, string recipientId, string linkId) =>
            Click(http, messageId, recipientId, linkId));
        app.MapMethods("/o/{messageId}/{recipientId}", ["GET", "HEAD"], (HttpContext http, string messageId, string recipientId) => Open(http, messageId, recipientId));
        app.MapMethods("/u/{messageId}/{recipientId}", ["GET", "POST"], (HttpContext http, string messageId, string recipientId) =>
            Unsubscribe(http, messageId, recipientId));
        app.MapMethods("/d/{messageId}/{recipientId}", ["GET", "POST"], async (HttpContext http, string messageId, string recipientId) =>
        {
            await RecordAsync(http, ledger, verifier, "confirm", messageId, recipientId, null);
            return Results.Content(Page("Subscription confirmed", "Thank you for confirming."), "text/html; charset=utf-8");
        });
        app.MapGet("/h/{messageId}/{recipientId}", (HttpContext http, string messageId, string recipientId) => Honeypot(http, messageId, recipientId));

        // The opaque-token layout (config/examples/opaque-token.json): one base64url JSON token {"m", "r", "l", "t"} per link,
        // read as an ESP reads its own tokens. A token that does not open is recorded without ids.
        static Func<string, string?> Fields(string token) => LinkToken.Json.Open(token) ?? (_ => null);
        app.MapMethods("/t/{token}", ["GET", "HEAD"], (HttpContext http, string token) => Fields(token) is var f ? Click(http, f("m"), f("r"), f("l")) : null!);
        app.MapMethods("/p/{token}", ["GET", "HEAD"], (HttpContext http, string token) => Fields(token) is var f ? Open(http, f("m"), f("r")) : null!);
        app.MapMethods("/x/{token}", ["GET", "POST"], (HttpContext http, string token) => Fields(token) is var f ? Unsubscribe(http, f("m"), f("r")) : null!);
        app.MapGet("/n/{token}", (HttpContext http, string token) => Fields(token) is var f ? Honeypot(http, f("m"), f("r")) : null!);
        app.MapGet("/landing", () => Results.Content(Page("Welcome", "You followed a link from our newsletter."), "text/html; charset=utf-8"));
        app.MapGet("/_origin/events", () => Results.Json(ledger.Events));
        return app;
    }

    private static async Task RecordAsync(HttpContext http, OriginLedger ledger, BotHeaderSignature? verifier, string action,
        string? messageId, string? recipientId, string? linkId)
    {
        var request = http.Request;
        var bot = request.Headers
            .Where(h => h.Key.StartsWith("X-Bot-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var forwarding = request.Headers
            .Where(h => h.Key.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        // The request target as it arrived, byte for byte: the gateway signs what it sends, and Kestrel's decoded
        // Path and QueryString would spell some characters differently (docs/reference/header-contract.md).
        var pathAndQuery = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        string? body = null;
        if (request.ContentLength is > 0 and <= 4096)
        {
            body = await new StreamReader(request.Body).ReadToEndAsync(http.RequestAborted);
        }

        ledger.Record(new OriginEvent(DateTimeOffset.UtcNow, action, request.Method, pathAndQuery, messageId, recipientId, linkId, bot, forwarding, body,
            verifier is null ? null : Verify(verifier, bot, request.Method, pathAndQuery)));
        http.Response.Headers["X-Origin-Saw"] = $"{bot.GetValueOrDefault("X-Bot-Verdict", "-")} {bot.GetValueOrDefault("X-Bot-Score", "-")} {bot.GetValueOrDefault("X-Bot-Reasons", string.Empty)}".TrimEnd();
    }

    /// <summary>What an origin does with the headers: the same check docs/reference/header-contract.md shows for other languages.</summary>
    private static bool Verify(BotHeaderSignature verifier, IReadOnlyDictionary<string, string> bot, string method, string pathAndQuery)
    {
        if (!bot.TryGetValue("X-Bot-Signature", out var signature)
            || !int.TryParse(bot.GetValueOrDefault("X-Bot-Score"), NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            || !long.TryParse(bot.GetValueOrDefault("X-Bot-Timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return false;
        }

        // Reject stale headers too: a replayed request keeps its old timestamp.
        var age = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp;
        return age is >= -60 and <= 300 && verifier.Verify(signature, score, bot.GetValueOrDefault("X-Bot-Verdict", string.Empty),
            bot.GetValueOrDefault("X-Bot-Reasons", string.Empty), bot.GetValueOrDefault("X-Bot-Degraded"), method, pathAndQuery, timestamp);
    }

    private static string Page(string title, string text) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>" +
        $"<body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\"><h1>{title}</h1><p>{text}</p></body></html>";
}
