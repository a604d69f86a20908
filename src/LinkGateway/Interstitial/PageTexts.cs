using System.Collections.Frozen;

namespace LinkGateway.Interstitial;

/// <summary>
/// The interstitial's words: built in for English, German, French and Spanish, keyed "page.part" ("unsubscribe.title",
/// "confirm-done.text", …). A brand's texts use the same keys; whatever a brand leaves out comes from here.
/// </summary>
internal static class PageTexts
{
    public static readonly FrozenDictionary<string, FrozenDictionary<string, string>> BuiltIn = new Dictionary<string, FrozenDictionary<string, string>>
    {
        ["en"] = Language(
            ("Unsubscribe", "Please confirm that you want to unsubscribe from these emails.", "Confirm unsubscribe"),
            ("Confirm", "Please confirm to continue.", "Continue"),
            ("Continue to your link", "Please continue to open the link.", "Continue"),
            ("Unsubscribed", "Your request to unsubscribe has been received."),
            ("Confirmed", "Your confirmation has been received.")),
        ["de"] = Language(
            ("Abmelden", "Bitte bestätigen Sie, dass Sie diese E-Mails abbestellen möchten.", "Abmeldung bestätigen"),
            ("Bestätigen", "Bitte bestätigen Sie, um fortzufahren.", "Weiter"),
            ("Weiter zu Ihrem Link", "Bitte fahren Sie fort, um den Link zu öffnen.", "Weiter"),
            ("Abgemeldet", "Ihre Abmeldung ist eingegangen."),
            ("Bestätigt", "Ihre Bestätigung ist eingegangen.")),
        ["fr"] = Language(
            ("Se désabonner", "Veuillez confirmer que vous souhaitez vous désabonner de ces e-mails.", "Confirmer le désabonnement"),
            ("Confirmer", "Veuillez confirmer pour continuer.", "Continuer"),
            ("Continuer vers votre lien", "Veuillez continuer pour ouvrir le lien.", "Continuer"),
            ("Désabonné", "Votre demande de désabonnement a bien été reçue."),
            ("Confirmé", "Votre confirmation a bien été reçue.")),
        ["es"] = Language(
            ("Darse de baja", "Confirme que desea darse de baja de estos correos.", "Confirmar la baja"),
            ("Confirmar", "Confirme para continuar.", "Continuar"),
            ("Continuar a su enlace", "Continúe para abrir el enlace.", "Continuar"),
            ("Baja realizada", "Hemos recibido su solicitud de baja."),
            ("Confirmado", "Hemos recibido su confirmación.")),
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every key a brand may set.</summary>
    public static readonly IReadOnlyList<string> Keys = [.. BuiltIn["en"].Keys.Order(StringComparer.Ordinal)];

    public const string DefaultLanguage = "en";

    /// <summary>The page a request is shown: what it asks for, or what has been done ("-done": no button).</summary>
    public static string PageOf(Links.LinkKind kind, bool done) => (kind, done) switch
    {
        (Links.LinkKind.Unsubscribe, false) => "unsubscribe",
        (Links.LinkKind.Confirm, false) => "confirm",
        (Links.LinkKind.Unsubscribe, true) => "unsubscribe-done",
        (Links.LinkKind.Confirm, true) => "confirm-done",
        _ => "continue",
    };

    private static FrozenDictionary<string, string> Language(
        (string Title, string Text, string Button) unsubscribe, (string Title, string Text, string Button) confirm, (string Title, string Text, string Button) next,
        (string Title, string Text) unsubscribed, (string Title, string Text) confirmed) =>
        new Dictionary<string, string>
        {
            ["unsubscribe.title"] = unsubscribe.Title, ["unsubscribe.text"] = unsubscribe.Text, ["unsubscribe.button"] = unsubscribe.Button,
            ["confirm.title"] = confirm.Title, ["confirm.text"] = confirm.Text, ["confirm.button"] = confirm.Button,
            ["continue.title"] = next.Title, ["continue.text"] = next.Text, ["continue.button"] = next.Button,
            ["unsubscribe-done.title"] = unsubscribed.Title, ["unsubscribe-done.text"] = unsubscribed.Text,
            ["confirm-done.title"] = confirmed.Title, ["confirm-done.text"] = confirmed.Text,
        }.ToFrozenDictionary(StringComparer.Ordinal);
}
