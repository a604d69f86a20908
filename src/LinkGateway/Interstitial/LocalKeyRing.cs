using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace LinkGateway.Interstitial;

/// <summary>
/// This node's copy of the Data Protection key ring: one XML file per key in LinkGateway:Shield:KeyRingPath, written by
/// Data Protection's own <see cref="FileSystemXmlRepository"/>. Read here file by file, because that repository throws on
/// the first file that is not XML, and with it every page and button of the shield: measured on 2026-11-29, a one-line
/// file "&lt;key" in the folder stopped the gateway at start-up (its warm-up issues a pass). A file that is not a key — not
/// XML (a hand edit, a copy cut short by a full disk), empty, or not a file of a key's size (a device, a FIFO, which would
/// block the read) — is left out and named in the log once; the other keys are used, and a pass sealed with the lost key
/// shows its page again. A file that cannot be read now (no access, an I/O error) is no damaged key: that read fails as
/// Data Protection's does, which keeps its ring and tries again, so a key or a revocation is not dropped for a day.
/// </summary>
public sealed partial class LocalKeyRing(DirectoryInfo folder, ILoggerFactory loggers) : IXmlRepository
{
    // Data Protection's key files are 1–3 KB; a larger "key" is not one of them.
    private const long MaxKeyFileBytes = 64 * 1024;
    private readonly FileSystemXmlRepository _files = new(folder, loggers);
    private readonly ILogger _logger = loggers.CreateLogger<LocalKeyRing>();

    // Each file already named, with the time it was written then: the ring is read again for every pass with a key id it
    // does not know (for two minutes after start), and a client sending forged ones must not write a warning each time.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> _named = new(StringComparer.Ordinal);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // As the file repository does: a folder removed meanwhile is made again. One that cannot be (a file in its place, no
        // access) is no damaged key but an unusable folder, and throws, as there.
        folder.Create();
        var elements = new List<XElement>();
        foreach (var file in folder.EnumerateFiles("*.xml", SearchOption.TopDirectoryOnly))
        {
            if (file.Length is 0 or > MaxKeyFileBytes)
            {
                LeftOut(file, file.Length == 0 ? "empty, or not a regular file" : $"{file.Length:N0} bytes, more than a key's");
                continue;
            }

            try
            {
                using var stream = file.OpenRead();
                elements.Add(XElement.Load(stream));
            }
            catch (XmlException e)
            {
                LeftOut(file, e.Message);
            }
            catch (FileNotFoundException)
            {
                // gone since the folder was listed: nothing to read
            }
        }

        return elements;
    }

    private void LeftOut(FileInfo file, string problem)
    {
        var written = file.LastWriteTimeUtc;
        if (!_named.TryGetValue(file.FullName, out var named) || named != written)
        {
            _named[file.FullName] = written; // one entry per file, however often it is written
            Log.UnreadableKeyFile(_logger, file.FullName, problem);
        }
    }

    public void StoreElement(XElement element, string friendlyName) => _files.StoreElement(element, friendlyName);

    /// <summary>
    /// Copies the key files of <paramref name="former"/> that <paramref name="folder"/> lacks (a default folder renamed); how
    /// many. Only what could be a key, as this ring reads them (a regular file of a key's size): opening a FIFO would block
    /// start-up, a device would be copied without end. Each goes under a temporary name first and is then moved into place,
    /// so a node reading the folder meanwhile sees a whole key or none; one that cannot be read or written now is skipped,
    /// and the others are copied (the keys are in Redis too).
    /// </summary>
    public static int CopyKeys(DirectoryInfo former, DirectoryInfo folder)
    {
        if (!former.Exists || string.Equals(former.FullName, folder.FullName, StringComparison.Ordinal))
        {
            return 0;
        }

        folder.Create();
        var copied = 0;
        foreach (var file in former.EnumerateFiles("*.xml", SearchOption.TopDirectoryOnly))
        {
            var target = Path.Combine(folder.FullName, file.Name);
            if (file.Length is 0 or > MaxKeyFileBytes || File.Exists(target))
            {
                continue;
            }

            var partial = Path.Combine(folder.FullName, $".{file.Name}.{Guid.NewGuid():N}.copying"); // not *.xml: never read as a key
            try
            {
                file.CopyTo(partial);
                File.Move(partial, target, overwrite: false);
                copied++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // skipped: there already (another node's copy a moment earlier), or not readable or writable now
            }
            finally
            {
                try
                {
                    File.Delete(partial); // gone once moved
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return copied;
    }

    private static partial class Log
    {
        [LoggerMessage(54, LogLevel.Warning, "A file in the key ring folder is not a readable key and is left out: {File} ({Problem}); the shield uses the other keys — remove or restore the file")]
        public static partial void UnreadableKeyFile(ILogger logger, string file, string problem);
    }
}
