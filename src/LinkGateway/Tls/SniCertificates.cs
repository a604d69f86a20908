using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace LinkGateway.Tls;

/// <summary>
/// HTTPS certificates chosen by the TLS server name (SNI) from a folder of PEM files (LinkGateway:Tls:CertificateFolder), for
/// an ESP's many tracking domains. Each certificate is NAME.pem (the certificate first, its chain after) with its private key
/// in NAME.key beside it, or in NAME.pem itself (a combined PEM); it serves the DNS names of its Subject Alternative Name.
/// The folder is watched: a change builds a new <see cref="CertificateIndex"/> and swaps it whole, so a handshake sees the old
/// index or the new one. A file that no longer loads keeps its last good certificate, and the log says why. Handshakes for a
/// name no certificate covers are refused and logged once per name per <see cref="MissLogInterval"/>, not per connection, and
/// at most <see cref="MaxMissLinesPerInterval"/> names per interval: the rest are counted in one line.
/// </summary>
public sealed partial class SniCertificates : IDisposable
{
    /// <summary>How often a name without a certificate is logged again while clients keep asking for it.</summary>
    public static readonly TimeSpan MissLogInterval = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many names without a certificate are logged per <see cref="MissLogInterval"/>: SNI is whatever a client writes, and
    /// one inventing a name per handshake would otherwise get a line per handshake.
    /// </summary>
    public const int MaxMissLinesPerInterval = 100;

    // A bound on the names remembered for MissLogInterval: SNI is whatever a client writes.
    private const int MaxRememberedMisses = 10_000;
    private const int MaxServerNameLength = 253;

    // After a load with failures, one more look: a file caught half-written has usually been completed by then.
    private static readonly TimeSpan _retryAfterFailure = TimeSpan.FromSeconds(2);

    private readonly string _folder;
    private readonly TimeProvider _time;
    private readonly ILogger<SniCertificates> _logger;
    private readonly Lock _loading = new();
    private readonly ConcurrentDictionary<string, long> _missesLogged = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _missLines = new();
    private long? _missIntervalStart;
    private int _missLinesInInterval;
    private int _missesNotLogged;
    private readonly PhysicalFileProvider _files;
    private readonly IDisposable _watch;
    private ITimer? _retry;
    private CertificateIndex _current = CertificateIndex.Empty;
    private bool _disposed;

    public SniCertificates(string folder, TimeProvider time, ILogger<SniCertificates> logger)
    {
        _folder = folder;
        _time = time;
        _logger = logger;
        Load(retryOnFailure: false);
        _files = new PhysicalFileProvider(folder);
        _watch = ChangeToken.OnChange(() => _files.Watch("*"), () => Load(retryOnFailure: true));
    }

    /// <summary>The certificates now served.</summary>
    public CertificateIndex Current => Volatile.Read(ref _current);

    /// <summary>Raised after each load of the folder, with the index it built (tests wait on it).</summary>
    public event Action<CertificateIndex>? Loaded;

    /// <summary>Kestrel's ServerCertificateSelector: the certificate for the ClientHello's server name, or null, which refuses the handshake.</summary>
    public X509Certificate2? Select(ConnectionContext? connection, string? serverName)
    {
        if (serverName is { Length: > 0 and <= MaxServerNameLength } && Current.For(serverName) is { } file)
        {
            return file.Certificate;
        }

        NoCertificate(serverName is null or "" ? "(no server name)" : serverName.Length > MaxServerNameLength ? serverName[..MaxServerNameLength] : serverName,
            connection?.RemoteEndPoint?.ToString());
        return null;
    }

    /// <summary>
    /// Kestrel's OnAuthenticate, before the handshake: when the ClientHello's server name is known (read with its JA4,
    /// <see cref="TlsClientHello"/>), the handshake gets that certificate with the chain of its .pem, which the selector
    /// cannot hand over (the TLS stack would send only the chain it builds from the system's stores). Otherwise the selector
    /// chooses, as the handshake goes.
    /// </summary>
    public void OnAuthenticate(ConnectionContext connection, SslServerAuthenticationOptions options)
    {
        if (TlsClientHello.ServerNameOf(connection) is { Length: <= MaxServerNameLength } serverName && Current.For(serverName) is { } file)
        {
            options.ServerCertificateSelectionCallback = null;
            options.ServerCertificate = null;
            options.ServerCertificateContext = file.Context;
        }
    }

    public void Dispose()
    {
        lock (_loading)
        {
            _disposed = true;
            _retry?.Dispose();
        }

        _watch.Dispose();
        _files.Dispose();
    }

    private void NoCertificate(string serverName, string? client)
    {
        var now = _time.GetTimestamp();
        if (_missesLogged.TryGetValue(serverName, out var last) && _time.GetElapsedTime(last, now) < MissLogInterval)
        {
            return;
        }

        if (_missesLogged.Count >= MaxRememberedMisses)
        {
            _missesLogged.Clear(); // a flood of invented names: logging some twice is better than remembering them all
        }

        _missesLogged[serverName] = now;
        var minutes = (int)MissLogInterval.TotalMinutes;
        lock (_missLines)
        {
            if (_missIntervalStart is not { } start || _time.GetElapsedTime(start, now) >= MissLogInterval)
            {
                // The count of the interval that ended is one of the new interval's lines.
                if (_missesNotLogged > 0)
                {
                    Log.NoCertificateForMore(_logger, _missesNotLogged, _folder, minutes);
                }

                (_missIntervalStart, _missLinesInInterval, _missesNotLogged) = (now, _missesNotLogged > 0 ? 1 : 0, 0);
            }

            if (_missLinesInInterval >= MaxMissLinesPerInterval)
            {
                if (_missesNotLogged++ == 0)
                {
                    Log.NoCertificateForManyNames(_logger, MaxMissLinesPerInterval, minutes, _folder);
                }

                return;
            }

            _missLinesInInterval++;
        }

        Log.NoCertificate(_logger, serverName, client ?? "unknown", _folder, minutes);
    }

    private void Load(bool retryOnFailure)
    {
        lock (_loading)
        {
            if (_disposed)
            {
                return;
            }

            var previous = Current;
            var now = _time.GetUtcNow();
            var loaded = new List<CertificateFile>();
            var failed = false;
            IEnumerable<FileInfo> pems;
            try
            {
                pems = new DirectoryInfo(_folder).EnumerateFiles("*.pem").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.FolderUnreadable(_logger, _folder, e.Message);
                return; // the running certificates stay
            }

            foreach (var pem in pems)
            {
                var keyPath = Path.ChangeExtension(pem.FullName, ".key");
                var key = new FileInfo(keyPath);
                var stamp = string.Create(CultureInfo.InvariantCulture,
                    $"{pem.Length};{pem.LastWriteTimeUtc.Ticks};{(key.Exists ? key.Length : -1)};{(key.Exists ? key.LastWriteTimeUtc.Ticks : 0)}");
                var old = previous.Files.GetValueOrDefault(pem.Name);
                if (old?.Stamp == stamp)
                {
                    loaded.Add(old);
                    continue;
                }

                try
                {
                    var file = Read(pem, key.Exists ? keyPath : null, stamp);
                    loaded.Add(file);
                    Log.Loaded(_logger, pem.Name, string.Join(", ", file.Names), file.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                    if (!CertificateIndex.IsValidAt(file.Certificate, now))
                    {
                        Log.NotValidNow(_logger, pem.Name, string.Join(", ", file.Names),
                            file.Certificate.NotBefore.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
                            file.Certificate.NotAfter.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture));
                    }
                }
                catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException or InvalidDataException)
                {
                    failed = true;
                    if (old is not null)
                    {
                        loaded.Add(old);
                        Log.KeptPrevious(_logger, pem.Name, e.Message);
                    }
                    else
                    {
                        Log.NotLoaded(_logger, pem.Name, e.Message);
                    }
                }
            }

            var next = new CertificateIndex(loaded, now);
            Volatile.Write(ref _current, next);
            if (next.Files.Count == 0)
            {
                Log.Empty(_logger, _folder);
            }

            if (failed && retryOnFailure)
            {
                _retry?.Dispose();
                _retry = _time.CreateTimer(_ => Load(retryOnFailure: false), null, _retryAfterFailure, Timeout.InfiniteTimeSpan);
            }

            Loaded?.Invoke(next);
        }
    }

    private static CertificateFile Read(FileInfo pem, string? keyPath, string stamp)
    {
        // The .pem is read once, for the certificate and for its chain: both must come from the same version of the file.
        var text = File.ReadAllText(pem.FullName);
        var certificate = X509Certificate2.CreateFromPem(text, keyPath is null ? text : File.ReadAllText(keyPath));
        try
        {
            if (!certificate.HasPrivateKey)
            {
                throw new InvalidDataException("no private key (in NAME.key beside it, or in the .pem itself)");
            }

            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames())
                .Select(name => name.TrimEnd('.').ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                throw new InvalidDataException("no DNS name in its Subject Alternative Name extension (clients ignore the subject's CN)");
            }

            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(text);
            var intermediates = new X509Certificate2Collection(chain.Where(c => c.Thumbprint != certificate.Thumbprint).ToArray());
            // offline: the chain is what the file holds; no fetching of issuers during a load.
            var context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
            return new CertificateFile(pem.Name, stamp, certificate, names, context);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "TLS certificate {File} loaded for {Names}, valid until {NotAfter}")]
        public static partial void Loaded(ILogger logger, string file, string names, string notAfter);

        [LoggerMessage(2, LogLevel.Warning, "TLS certificate {File} for {Names} is not valid now (valid {NotBefore} to {NotAfter}): clients will refuse it; renew it")]
        public static partial void NotValidNow(ILogger logger, string file, string names, string notBefore, string notAfter);

        [LoggerMessage(3, LogLevel.Error, "TLS certificate {File} changed but does not load, so its previous certificate stays: {Problem}")]
        public static partial void KeptPrevious(ILogger logger, string file, string problem);

        [LoggerMessage(4, LogLevel.Error, "TLS certificate {File} does not load and serves nothing: {Problem}")]
        public static partial void NotLoaded(ILogger logger, string file, string problem);

        [LoggerMessage(5, LogLevel.Warning, "No TLS certificate for {ServerName} in {Folder}: its HTTPS handshakes are refused (first seen from {Client}; "
            + "logged again after {Minutes} minutes if clients keep asking)")]
        public static partial void NoCertificate(ILogger logger, string serverName, string client, string folder, int minutes);

        [LoggerMessage(8, LogLevel.Warning, "No TLS certificate for more than {Lines} names in {Minutes} minutes (a client inventing server names?): "
            + "the next ones in {Folder} are refused without a line each, and counted in one line when the {Minutes} minutes are over")]
        public static partial void NoCertificateForManyNames(ILogger logger, int lines, int minutes, string folder);

        [LoggerMessage(9, LogLevel.Warning, "No TLS certificate for {Count} more names in {Folder} in the last {Minutes} minutes: their HTTPS handshakes were refused without a line each")]
        public static partial void NoCertificateForMore(ILogger logger, int count, string folder, int minutes);

        [LoggerMessage(6, LogLevel.Warning, "The TLS certificate folder {Folder} holds no certificate that loads: every HTTPS handshake is refused")]
        public static partial void Empty(ILogger logger, string folder);

        [LoggerMessage(7, LogLevel.Error, "The TLS certificate folder {Folder} could not be read ({Problem}); the running certificates stay")]
        public static partial void FolderUnreadable(ILogger logger, string folder, string problem);
    }
}
