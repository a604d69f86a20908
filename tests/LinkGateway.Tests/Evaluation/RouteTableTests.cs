using Microsoft.Extensions.Configuration;
using LinkGateway.Links;

namespace LinkGateway.Evaluation;

/// <summary>The offline route table of <c>evaluate</c> guards a path as the gateway does, other spellings of shielded links included.</summary>
public sealed class RouteTableTests
{
    private readonly RouteTable _routes = new(new ConfigurationBuilder().AddJsonFile(RepoFiles.ConfigFile).Build());

    [Theory]
    [InlineData("/u/m/r", LinkKind.Unsubscribe)]
    [InlineData("/u//m/r", LinkKind.Unsubscribe)]
    [InlineData("/c/..%2F..%2Fu/m/r", LinkKind.Unsubscribe)]
    [InlineData("/d//m/r", LinkKind.Confirm)]
    [InlineData("/c/m/r/l", LinkKind.Click)]
    [InlineData("/c/m/r/https%3A%2F%2Fexample.com", LinkKind.Click)]
    [InlineData("/anything/else", LinkKind.None)]
    public void APath_IsGuardedAsTheGatewayGuardsIt(string path, LinkKind kind) => Assert.Equal(kind, _routes.Match(path)?.Policy.Kind);
}
