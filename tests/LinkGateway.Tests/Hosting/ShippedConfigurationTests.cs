using Microsoft.Extensions.Configuration;

namespace LinkGateway.Hosting;

/// <summary>What every configuration file the repository ships (config/ and its examples) must set for an operator who copies it.</summary>
public sealed class ShippedConfigurationTests
{
    public static TheoryData<string> ShippedFiles() =>
        new(Directory.GetFiles(Path.Combine(RepoFiles.Root, "config"), "*.json", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("\"ReverseProxy\"", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(RepoFiles.Root, f))
            .Order(StringComparer.Ordinal));

    // YARP's default ActivityTimeout is 100 s: an origin that accepts the connection and stalls holds each person's click and
    // unsubscribe that long before the neutral 504, and ties up a connection per click.
    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void EveryCluster_SetsAnOriginTimeout_ShorterThanYarpsDefault(string file)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(RepoFiles.Root, file)).Build();
        var clusters = configuration.GetSection("ReverseProxy:Clusters").GetChildren().ToList();

        Assert.NotEmpty(clusters);
        foreach (var cluster in clusters)
        {
            var timeout = cluster["HttpRequest:ActivityTimeout"];
            Assert.True(timeout is not null, $"{file}: {cluster.Path}:HttpRequest:ActivityTimeout is not set (YARP waits 100 s)");
            Assert.InRange(TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60));
        }
    }
}
