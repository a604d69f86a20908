using System.Text.RegularExpressions;
using LinkGateway.Scoring;

namespace LinkGateway.Architecture;

/// <summary>
/// The gateway's feature folders (src/LinkGateway/&lt;Feature&gt;/, as YARP's are) depend on each other one way only, and
/// the detection core knows nothing of ASP.NET or Redis. A folder depends on another when one of its files names a type,
/// or calls an extension method, that the other folder declares at top level; Program.cs at the root composes them all.
/// </summary>
public sealed partial class FeatureFolderTests
{
    private static readonly string _host = Path.Combine(RepoFiles.Root, "src", "LinkGateway");

    [Fact]
    public void FeatureFolders_DependOnEachOtherWithoutACycle()
    {
        var graph = Dependencies();

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, cycle is null ? null : "feature folders in a cycle: " + string.Join(" → ",
            cycle.Zip(cycle.Skip(1), (from, to) => $"{from} ({string.Join(", ", graph[from][to].Take(3))})")) + $" → {cycle[^1]}");
    }

    [Fact]
    public void Hosting_IsTheCompositionRoot_NoFeatureDependsOnIt()
    {
        var graph = Dependencies();

        var dependents = graph.Where(g => g.Value.ContainsKey("Hosting") && g.Key != "Evaluation").Select(g => $"{g.Key} ({string.Join(", ", g.Value["Hosting"].Take(3))})");

        // Evaluation is a command on top of the gateway's configuration, as the gateway is; nothing else may lean on the root.
        Assert.Empty(dependents);
    }

    [Fact]
    public void Guard_CallsTheInterstitialThroughItsInterface_NeverItsImplementation()
    {
        var graph = Dependencies();

        // Guard owns IInterstitial; Interstitial implements it. The other way round, the guard would know the page.
        Assert.False(graph["Guard"].TryGetValue("Interstitial", out var names), $"Guard names {string.Join(", ", names ?? [])} of Interstitial");
        Assert.Contains("IInterstitial@InterstitialShield.cs", graph["Interstitial"]["Guard"]);
    }

    [Fact]
    public void DetectionCore_ReferencesNeitherAspNetNorRedis()
    {
        var references = typeof(VerdictScorer).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
                                                  || name.StartsWith("StackExchange.Redis", StringComparison.Ordinal)
                                                  || name.StartsWith("Yarp", StringComparison.Ordinal));
    }

    /// <summary>folder → folder it depends on → the names that make it so (Type@File.cs).</summary>
    private static Dictionary<string, Dictionary<string, SortedSet<string>>> Dependencies()
    {
        var folders = Directory.GetDirectories(_host).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Select(f => f!).ToList();
        var files = folders.ToDictionary(f => f, f => Directory.GetFiles(Path.Combine(_host, f), "*.cs", SearchOption.AllDirectories));
        var declaredIn = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (folder, paths) in files)
        {
            foreach (var source in paths.Select(File.ReadAllText))
            {
                foreach (var name in TopLevelType().Matches(source).Select(m => m.Groups[1].Value)
                             .Concat(ExtensionMethod().Matches(source).Select(m => m.Groups[1].Value)))
                {
                    (declaredIn.TryGetValue(name, out var set) ? set : declaredIn[name] = []).Add(folder);
                }
            }
        }

        var graph = folders.ToDictionary(f => f, _ => new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal));
        foreach (var (folder, paths) in files)
        {
            foreach (var path in paths)
            {
                var code = Comment().Replace(File.ReadAllText(path), string.Empty);
                foreach (var name in Identifier().Matches(code).Select(m => m.Value).Distinct())
                {
                    foreach (var other in declaredIn.GetValueOrDefault(name) ?? [])
                    {
                        if (other != folder)
                        {
                            (graph[folder].TryGetValue(other, out var why) ? why : graph[folder][other] = new SortedSet<string>(StringComparer.Ordinal))
                                .Add($"{name}@{Path.GetFileName(path)}");
                        }
                    }
                }
            }
        }

        return graph;
    }

    /// <summary>A path a → … → a, or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, SortedSet<string>>> graph)
    {
        var state = graph.Keys.ToDictionary(k => k, _ => 0); // 0 unvisited, 1 on the path, 2 done
        var path = new List<string>();

        List<string>? Visit(string folder)
        {
            state[folder] = 1;
            path.Add(folder);
            foreach (var next in graph[folder].Keys.Order(StringComparer.Ordinal))
            {
                if (state[next] == 1)
                {
                    return [.. path.SkipWhile(f => f != next), next];
                }

                if (state[next] == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[folder] = 2;
            return null;
        }

        return graph.Keys.Order(StringComparer.Ordinal).Where(f => state[f] == 0).Select(Visit).FirstOrDefault(c => c is not null);
    }

    // Declarations at the start of a line: nested types (indented) are private to their file's type.
    [GeneratedRegex(@"^(?:public |internal )?(?:(?:sealed|static|abstract|partial|readonly|file) )*(?:class|record struct|record|struct|interface|enum) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"public static \S+ (\w+)\(this ")]
    private static partial Regex ExtensionMethod();

    [GeneratedRegex(@"\b[A-Z]\w+\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();
}
