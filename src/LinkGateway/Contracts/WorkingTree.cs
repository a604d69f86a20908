namespace LinkGateway.Contracts;

/// <summary>Where the repository's own files are, for commands started anywhere inside it.</summary>
public static class WorkingTree
{
    /// <summary>
    /// <paramref name="relativePath"/> under the working directory or the nearest folder above it that has it (`dotnet run`
    /// starts in the project folder, not where it was typed); null when none has it.
    /// </summary>
    public static string? FindUpwards(string relativePath)
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relativePath);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
