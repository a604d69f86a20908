using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

/// <summary>An operator's own configuration file, written from the README's routes, names no log sink: the gateway still speaks.</summary>
public sealed class ConsoleLogDefaultTests
{
    [Fact]
    public async Task AConfigurationWithoutASerilogSection_LogsToTheConsole()
    {
        var folder = Directory.CreateTempSubdirectory("lg-own-config-");
        try
        {
            var config = Path.Combine(folder.FullName, "mine.json");
            await File.WriteAllTextAsync(config, $$"""
                {
                  "LinkGateway": { "Signatures": { "Path": {{System.Text.Json.JsonSerializer.Serialize(Path.Combine(RepoFiles.Root, "config", "signatures"))}} } },
                  "ReverseProxy": {
                    "Routes": { "click": { "ClusterId": "origin", "Match": { "Path": "/c/{messageId}/{recipientId}/{linkId}" }, "Metadata": { "LinkKind": "click" } } },
                    "Clusters": { "origin": { "Destinations": { "primary": { "Address": "http://127.0.0.1:9" } } } }
                  }
                }
                """);
            var port = RedisServer.FreeLoopbackPort();
            var healthz = new Uri($"http://127.0.0.1:{port}/healthz");

            await using var gateway = await GatewayProcess.StartAsync([healthz], "--config", config, "--urls", $"http://127.0.0.1:{port}",
                $"--LinkGateway:Signing:Key={Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray())}");
            using var client = new HttpClient();
            await client.GetAsync(new Uri($"http://127.0.0.1:{port}/c/m-1/r-1/l-1"));

            Assert.Contains("Now listening on", gateway.Output, StringComparison.Ordinal);
            await gateway.WaitForOutputAsync("/c/m-1/r-1/l-1"); // the request log, written once the answer has gone
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
