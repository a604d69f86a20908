using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using LinkGateway.Links;

namespace LinkGateway.Interstitial;

/// <summary>
/// The neutral page in front of shielded links: plain HTML, no third-party resource, no tracking, the
/// same page for everyone it is shown to (nothing tells a scanner what the gateway concluded), a form
/// whose button posts the pass back to the same URL, in the reader's language where we have it.
/// </summary>
internal static class InterstitialPage
{
    public const string PassField = "lg-pass";
    public const string AutoField = "lg-auto";

    private sealed record Texts(string Title, string Text, string Button);

    private sealed record Language(Texts Unsubscribe, Texts Confirm, Texts Continue);

    private static readonly FrozenDictionary<string, Language> _languages = new Dictionary<string, Language>
    {
        ["en"] = new(
            new("Unsubscribe", "Please confirm that you want to unsubscribe from these emails.", "Confirm unsubscribe"),
            new("Confirm", "Please confirm to continue.", "Continue"),
            new("Continue to your link", "Please continue to open the link.", "Continue")),
        ["de"] = new(
            new("Abmelden", "Bitte bestätigen Sie, dass Sie diese E-Mails abbestellen möchten.", "Abmeldung bestätigen"),
            new("Bestätigen", "Bitte bestätigen Sie, um fortzufahren.", "Weiter"),
            new("Weiter zu Ihrem Link", "Bitte fahren Sie fort, um den Link zu öffnen.", "Weiter")),
        ["fr"] = new(
            new("Se désabonner", "Veuillez confirmer que vous souhaitez vous désabonner de ces e-mails.", "Confirmer le désabonnement"),
            new("Confirmer", "Veuillez confirmer pour continuer.", "Continuer"),
            new("Continuer vers votre lien", "Veuillez continuer pour ouvrir le lien.", "Continuer")),
        ["es"] = new(
            new("Darse de baja", "Confirme que desea darse de baja de estos correos.", "Confirmar la baja"),
            new("Confirmar", "Confirme para continuar.", "Continuar"),
            new("Continuar a su enlace", "Continúe para abrir el enlace.", "Continuar")),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Writes the page. <paramref name="autoContinue"/> adds the click route's self-submitting script.</summary>
    public static Task WriteAsync(HttpContext context, LinkKind kind, string token, bool autoContinue)
    {
        var language = ChooseLanguage(context.Request);
        var texts = kind switch
        {
            LinkKind.Unsubscribe => _languages[language].Unsubscribe,
            LinkKind.Confirm => _languages[language].Confirm,
            _ => _languages[language].Continue,
        };
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK; // a refusal that looks like an error gets reported as a broken link
        response.ContentType = "text/html; charset=utf-8";
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.ContentLanguage = language;
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src {(autoContinue ? $"'nonce-{nonce}'" : "'none'")}; " +
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

        // No action attribute: the form posts to this very URL, so nothing from the request is echoed into the page.
        var script = autoContinue
            ? $"<script nonce=\"{nonce}\">var f=document.forms[0];f.elements['{AutoField}'].value='1';f.submit();</script>"
            : string.Empty;
        var html = $$"""
            <!doctype html>
            <html lang="{{language}}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <meta name="referrer" content="no-referrer">
            <title>{{Html(texts.Title)}}</title>
            <style nonce="{{nonce}}">
            html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
            main{max-width:28rem;margin:12vh auto 0;padding:2rem 1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
            h1{font-size:1.4rem;margin:0 0 .75rem}
            p{font-size:1.05rem;line-height:1.5;margin:0 0 1.5rem}
            button{width:100%;min-height:3rem;font:inherit;font-size:1.1rem;font-weight:600;color:#fff;background:#0969da;border:0;border-radius:8px;cursor:pointer}
            button:focus-visible{outline:3px solid #54aeff;outline-offset:2px}
            </style>
            </head>
            <body>
            <main>
            <h1>{{Html(texts.Title)}}</h1>
            <p>{{Html(texts.Text)}}</p>
            <form method="post">
            <input type="hidden" name="{{PassField}}" value="{{Html(token)}}">
            <input type="hidden" name="{{AutoField}}" value="0">
            <button type="submit">{{Html(texts.Button)}}</button>
            </form>
            </main>
            {{script}}
            </body>
            </html>
            """;
        return response.WriteAsync(html, context.RequestAborted);
    }

    /// <summary>The best-rated language of Accept-Language that we have; English otherwise.</summary>
    private static string ChooseLanguage(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptLanguage;
        foreach (var entry in accepted.OrderByDescending(a => a.Quality ?? 1))
        {
            var tag = entry.Value.Value;
            if (tag is null || entry.Quality == 0)
            {
                continue;
            }

            var primary = tag.Split('-')[0];
            if (_languages.ContainsKey(primary))
            {
                return primary.ToLowerInvariant();
            }
        }

        return "en";
    }

    // Letters of every script stay as they are (the page is UTF-8); only markup characters are escaped.
    private static readonly HtmlEncoder _encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private static string Html(string text) => _encoder.Encode(text);
}
