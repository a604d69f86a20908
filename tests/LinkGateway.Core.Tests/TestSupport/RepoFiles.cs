namespace LinkGateway.TestSupport;

/// <summary>
/// Files of the repository the tests read (shipped config and signatures, corpora), found from the
/// test binary upwards. Compiled into both test projects (LinkGateway.Tests links this file).
/// </summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string ConfigFile => Path.Combine(Root, "config", "linkgateway.json");

    public static string Signatures => Path.Combine(Root, "config", "signatures");

    public static string Corpus(string name) => Path.Combine(Root, "tests", "corpora", name);

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
