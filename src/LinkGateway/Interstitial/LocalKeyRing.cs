using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace LinkGateway.Interstitial;

/// <summary>
/// This node's copy of the Data Protection key ring: one XML file per key in LinkGateway:Shield:KeyRingPath, written by
/// Data Protection's own <see cref="FileSystemXmlRepository"/>. Read here file by file, because that repository throws on
/// the first file it cannot read, and with it every page and button of the shield: measured on 2026-11-29, a one-line
/// file "&lt;key" in the folder stopped the gateway at start-up (its warm-up issues a pass), and after start would have
/// failed each shielded request at the next daily refresh. A file that is not XML (a hand edit, a copy cut short by a full
/// disk) is left out and named in the log; the other keys are used, and a pass sealed with the lost key shows its page again.
/// </summary>
public sealed partial class LocalKeyRing(DirectoryInfo folder, ILoggerFactory loggers) : IXmlRepository
{
    private readonly FileSystemXmlRepository _files = new(folder, loggers);
    private readonly ILogger _logger = loggers.CreateLogger<LocalKeyRing>();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // As the file repository does: a folder removed meanwhile is made again. One that cannot be (a file in its place, no
        // access) is no damaged key but an unusable folder, and throws, as there.
        folder.Create();
        var elements = new List<XElement>();
        foreach (var file in folder.EnumerateFiles("*.xml", SearchOption.TopDirectoryOnly))
        {
            try
            {
                using var stream = file.OpenRead();
                elements.Add(XElement.Load(stream));
            }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
            {
                Log.UnreadableKeyFile(_logger, file.FullName, e.Message);
            }
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName) => _files.StoreElement(element, friendlyName);

    private static partial class Log
    {
        [LoggerMessage(54, LogLevel.Warning, "A file in the key ring folder is not a readable key and is left out: {File} ({Problem}); the shield uses the other keys — remove or restore the file")]
        public static partial void UnreadableKeyFile(ILogger logger, string file, string problem);
    }
}
