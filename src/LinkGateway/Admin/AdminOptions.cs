using LinkGateway.Contracts;

namespace LinkGateway.Admin;

public sealed class AdminOptions
{
    /// <summary>Where the admin API listens, e.g. "http://127.0.0.1:9090". Empty (default): no admin API.</summary>
    public string? Urls { get; set; }

    /// <summary>The bearer token, at least 32 characters. Required when Urls is set.</summary>
    public string? Token { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Urls);

    public void Validate(List<string> errors)
    {
        if (!Enabled)
        {
            return;
        }

        if ((Token?.Length ?? 0) < 32)
        {
            errors.Add("LinkGateway:Admin:Token: needs at least 32 characters when LinkGateway:Admin:Urls is set (e.g. `openssl rand -base64 32`)");
        }
        else if (Token!.Any(char.IsWhiteSpace))
        {
            // Thirty-two spaces passed the length; and a token with a space or line break at its end (a file read with its
            // newline) could never be presented: clients' headers are read trimmed.
            errors.Add("LinkGateway:Admin:Token: holds white space (a line break read with it from a file?): use printable characters only, e.g. `openssl rand -base64 32`");
        }

        errors.AddRange(ListenUrl.Problems(Urls, "http://127.0.0.1:9090").Select(problem => $"LinkGateway:Admin:Urls: {problem}"));
    }
}
