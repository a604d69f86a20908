using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace LinkGateway.Interstitial;

public sealed class ShieldOptions
{
    /// <summary>How long the interstitial's pass token stays valid. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan PassLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the cookie set by a valid pass lets its one request through. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a browser that went through an unsubscribe or confirm link (the origin answered 2xx) sees the completed page
    /// there instead of the interstitial. Default 1 day.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan DoneLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Least time between the interstitial and its button press for the press to count as a person's. Default 1.5 seconds:
    /// a person reads the page first; a script posts the token the moment it has it. A person who is quicker sees the page
    /// once more.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinDwell { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// The folder where this node keeps the interstitial's Data Protection key ring (with Redis, a mirror of Redis's copy,
    /// used while Redis is away). Default: LinkGateway/keys/{key prefix}-{store} under the user's local application data
    /// folder, where {store} names the Redis deployment (a hash of its servers, Sentinel service, database, user and TLS, not
    /// its password) or "in-process", so a demo and a production gateway run by one user never share keys. Must be
    /// writable; on a read-only root filesystem, point it at a volume.
    /// </summary>
    public string? KeyRingPath { get; set; }

    /// <summary>The key ring folder in force: <see cref="KeyRingPath"/>, or the default for this store.</summary>
    public string KeyRingFolder(LinkGateway.Memory.RedisOptions store) => !string.IsNullOrWhiteSpace(KeyRingPath)
        ? System.IO.Path.GetFullPath(KeyRingPath)
        : DefaultFolder(store, string.IsNullOrWhiteSpace(store.Configuration) ? "in-process" : Digest(Deployment(store)));

    /// <summary>
    /// The default folder as it was named until 2026-11-29, from a hash of the whole configuration string, password and all
    /// (twelve hex digits of it let guesses of a weak password be tested offline, and the name is shown in errors); null
    /// when there is none. At each start the keys of it that the folder in force lacks are copied there
    /// (<see cref="LocalKeyRing.CopyKeys"/>), so a node upgraded while Redis is away still accepts the passes it issued before.
    /// </summary>
    public string? FormerKeyRingFolder(LinkGateway.Memory.RedisOptions store) =>
        string.IsNullOrWhiteSpace(KeyRingPath) && !string.IsNullOrWhiteSpace(store.Configuration) ? DefaultFolder(store, Digest(store.Configuration)) : null;

    private static string DefaultFolder(LinkGateway.Memory.RedisOptions store, string deployment)
    {
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        var root = string.IsNullOrEmpty(data) ? System.IO.Path.GetTempPath() : data;
        var prefix = string.Concat(store.KeyPrefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return System.IO.Path.Combine(root, "LinkGateway", "keys", $"{prefix}-{deployment}");
    }

    // What names the deployment in the configuration string, without its secret: the servers, and what tells deployments on
    // the same servers apart (a Sentinel service, a database, a user, TLS). Two deployments sharing a folder would share a
    // key ring (the mirror writes local keys to Redis), and accept each other's passes.
    // A string that cannot be read names no deployment (empty): no gateway starts with it, LinkGateway:Redis:Configuration's
    // check names the mistake.
    private static string Deployment(LinkGateway.Memory.RedisOptions store) => store.Parse().Parsed is { } options
        ? string.Join(',', options.EndPoints.Select(LinkGateway.Memory.RedisPing.Format)) + $"|{options.ServiceName}|{options.DefaultDatabase}|{options.User}|{options.Ssl}"
        : string.Empty;

    private static string Digest(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12];

    /// <summary>The key ring must be writable here, or no node could issue a pass while Redis is away.</summary>
    public void Validate(LinkGateway.Memory.RedisOptions store, List<string> errors)
    {
        // A press counts only after MinDwell, and only with a token younger than PassLifetime: with too little between the
        // two, each press shows a new page, whose dwell starts again, and nobody can ever unsubscribe.
        if (MinDwell * 2 > PassLifetime)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"LinkGateway:Shield:MinDwell: {MinDwell.TotalSeconds:0.###} s is more than half of LinkGateway:Shield:PassLifetime ({PassLifetime.TotalSeconds:0.###} s): a person who reads the page for the dwell time must still have as long to press its button"));
        }

        var folder = KeyRingFolder(store);
        try
        {
            Directory.CreateDirectory(folder);
            var probe = System.IO.Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            try
            {
                // As much as a few keys (about 1 KB each): an empty file fits on a full disk, and then the first key this node
                // makes failed in the warm-up, with an encryption error that named neither the folder nor the full disk.
                File.WriteAllBytes(probe, new byte[4096]);
            }
            finally
            {
                File.Delete(probe);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"LinkGateway:Shield:KeyRingPath: cannot write to {folder} ({e.Message}); point it at a writable folder (a volume on a read-only filesystem)");
        }
    }

    /// <summary>Largest form body read on a shielded route (RFC 8058 one-click, the pass). Default 16 KiB; larger gets 413.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxFormBytes { get; set; } = 16 * 1024;
}
