namespace LinkGateway.Infrastructure;

/// <summary>Files of the repository, found from the test binary upwards.</summary>
public static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string ConfigFile => Path.Combine(Root, "config", "linkgateway.json");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "LinkGateway.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("LinkGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
