using LinkGateway.Memory;

namespace LinkGateway.Interstitial;

/// <summary>
/// The default key ring folder is named after the Redis deployment's servers, not its whole configuration string: a short
/// hash of a string that holds the password would let guesses of a weak password be tested offline, and the folder's name
/// appears in errors and on disk. The folder named the former way gives its keys to the new one.
/// </summary>
public sealed class KeyRingFolderTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("lg-keyring-folder-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void DefaultFolder_NamesTheDeploymentByItsServers_NotByItsPassword()
    {
        var shield = new ShieldOptions();
        RedisOptions Store(string configuration) => new() { Configuration = configuration, KeyPrefix = "lg:" };

        var one = shield.KeyRingFolder(Store("redis-a:6380,ssl=true,password=first-secret"));
        var rotated = shield.KeyRingFolder(Store("redis-a:6380,ssl=true,password=second-secret"));
        var other = shield.KeyRingFolder(Store("redis-b:6380,ssl=true,password=first-secret"));
        var former = shield.FormerKeyRingFolder(Store("redis-a:6380,ssl=true,password=first-secret"));

        Assert.Equal(one, rotated);
        Assert.NotEqual(one, other);
        Assert.NotNull(former);
        Assert.NotEqual(one, former);
        Assert.Equal(Path.GetDirectoryName(one), Path.GetDirectoryName(former));
        Assert.StartsWith("lg_-", Path.GetFileName(one), StringComparison.Ordinal);
        // A folder given by the operator, or the in-process store, has no former name.
        Assert.Null(new ShieldOptions { KeyRingPath = _scratch.FullName }.FormerKeyRingFolder(Store("redis-a:6380,password=first-secret")));
        Assert.Null(shield.FormerKeyRingFolder(Store(string.Empty)));
    }

    // Two deployments sharing a folder would share a key ring (the mirror writes local keys to Redis) and accept each
    // other's passes: what tells deployments on the same servers apart, but is no secret, names the folder too.
    [Theory]
    [InlineData("redis-a:6379,defaultDatabase=1")]
    [InlineData("redis-a:6379,serviceName=staging")]
    [InlineData("redis-a:6379,user=staging,password=x")]
    [InlineData("redis-a:6379,ssl=true")]
    [InlineData("redis-b:6379")]
    public void DefaultFolder_OfAnotherDeploymentOnTheSameServers_IsAnother(string configuration)
    {
        var shield = new ShieldOptions();

        Assert.NotEqual(shield.KeyRingFolder(new RedisOptions { Configuration = "redis-a:6379" }), shield.KeyRingFolder(new RedisOptions { Configuration = configuration }));
    }

    // What is in the former folder was written by a gateway, but a folder is the operator's: what could not be a key is not
    // copied (a FIFO would block start-up until something wrote to it), and the keys beside it are.
    [Fact]
    public async Task CopyKeys_LeavesWhatCannotBeAKey_AndCopiesTheKeysBesideIt()
    {
        var former = _scratch.CreateSubdirectory("former");
        var folder = new DirectoryInfo(Path.Combine(_scratch.FullName, "current"));
        File.WriteAllText(Path.Combine(former.FullName, "key-1.xml"), "<key id=\"1\" />");
        File.WriteAllText(Path.Combine(former.FullName, "key-empty.xml"), string.Empty);
        File.WriteAllBytes(Path.Combine(former.FullName, "key-huge.xml"), new byte[100 * 1024]);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(former.FullName, "key-fifo.xml")))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var copied = await Task.Run(() => LocalKeyRing.CopyKeys(former, folder)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, copied);
        Assert.Equal(["key-1.xml"], folder.GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void CopyKeys_BringsTheFormerFoldersKeys_AndKeepsTheOnesAlreadyThere()
    {
        var former = _scratch.CreateSubdirectory("former");
        var folder = new DirectoryInfo(Path.Combine(_scratch.FullName, "current"));
        File.WriteAllText(Path.Combine(former.FullName, "key-1.xml"), "<key id=\"1\" />");
        File.WriteAllText(Path.Combine(former.FullName, "key-2.xml"), "<key id=\"2\" from=\"former\" />");
        File.WriteAllText(Path.Combine(former.FullName, "notes.txt"), "not a key");
        folder.Create();
        File.WriteAllText(Path.Combine(folder.FullName, "key-2.xml"), "<key id=\"2\" from=\"current\" />");

        var copied = LocalKeyRing.CopyKeys(former, folder);

        Assert.Equal(1, copied);
        Assert.Equal(["key-1.xml", "key-2.xml"], folder.GetFiles().Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Contains("current", File.ReadAllText(Path.Combine(folder.FullName, "key-2.xml")), StringComparison.Ordinal);
        Assert.Equal(0, LocalKeyRing.CopyKeys(new DirectoryInfo(Path.Combine(_scratch.FullName, "none")), folder));
    }
}
