using System.Collections.Frozen;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace LinkGateway.Tls;

/// <summary>One PEM file of the certificate folder as loaded: what it was read from, and the certificate with its key.</summary>
/// <param name="Stamp">The sizes and write times of the .pem and its .key: an unchanged file is not read again.</param>
/// <param name="Names">The DNS names of its Subject Alternative Name extension, lower case ("*.example.com" kept as written).</param>
/// <param name="Context">The certificate with the chain that follows it in the .pem, as the handshake sends it.</param>
public sealed record CertificateFile(string Name, string Stamp, X509Certificate2 Certificate, IReadOnlyList<string> Names, SslStreamCertificateContext Context);

/// <summary>
/// The certificates of LinkGateway:Tls:CertificateFolder, indexed by the DNS names of their Subject Alternative Name: an
/// exact name, else a wildcard name for its parent, which covers one label only (RFC 6125 §6.4.3: "*.example.com" covers
/// a.example.com, not example.com nor a.b.example.com). Where several certificates name a host, the one valid now that
/// expires last serves it. Immutable: a change of the folder builds a new index (<see cref="SniCertificates"/>).
/// </summary>
public sealed class CertificateIndex
{
    private readonly FrozenDictionary<string, CertificateFile>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly FrozenDictionary<string, CertificateFile>.AlternateLookup<ReadOnlySpan<char>> _wildcards; // by parent

    public CertificateIndex(IEnumerable<CertificateFile> files, DateTimeOffset now)
    {
        Files = files.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
        var exact = new Dictionary<string, CertificateFile>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new Dictionary<string, CertificateFile>(StringComparer.OrdinalIgnoreCase);
        // Valid certificates first, then the one expiring last: the first to claim a name keeps it.
        foreach (var file in Files.Values.OrderBy(f => IsValidAt(f.Certificate, now) ? 0 : 1).ThenByDescending(f => f.Certificate.NotAfter)
                     .ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            foreach (var name in file.Names)
            {
                if (name.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcards.TryAdd(name[2..], file);
                }
                else
                {
                    exact.TryAdd(name, file);
                }
            }
        }

        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = wildcards.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static CertificateIndex Empty { get; } = new([], DateTimeOffset.MinValue);

    /// <summary>Each loaded file by its name ("links.example.com.pem").</summary>
    public FrozenDictionary<string, CertificateFile> Files { get; }

    /// <summary>The certificate file for a TLS server name (SNI); null when none names it.</summary>
    public CertificateFile? For(ReadOnlySpan<char> serverName)
    {
        serverName = serverName.TrimEnd('.');
        if (serverName.IsEmpty)
        {
            return null;
        }

        if (_exact.TryGetValue(serverName, out var file))
        {
            return file;
        }

        var dot = serverName.IndexOf('.');
        return dot > 0 && _wildcards.TryGetValue(serverName[(dot + 1)..], out file) ? file : null;
    }

    public static bool IsValidAt(X509Certificate2 certificate, DateTimeOffset now) =>
        certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= certificate.NotAfter.ToUniversalTime();
}
