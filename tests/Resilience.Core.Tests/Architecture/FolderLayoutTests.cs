using System.Text.RegularExpressions;

namespace Resilience.Tests.Architecture;

/// <summary>
/// Core's folders depend one way (primitives -> tiers -> pipeline and chain -> licensing, export, health -> DI,
/// docs/architecture.md): a reference from a lower folder back up to a higher one makes a cycle, and this fails.
/// </summary>
public sealed class FolderLayoutTests
{
    [Fact]
    public void Core_folders_form_no_cycle()
    {
        var graph = CoreGraph();

        var cycles = graph.Cycles();

        Assert.True(cycles.Count == 0, "Core's folders form a cycle; move the shared type below both folders or invert the reference:" + Environment.NewLine + string.Join(Environment.NewLine, cycles.Select(graph.Describe)));
    }

    [Fact]
    public void The_folder_graph_binds_every_name_and_sees_the_known_layers()
    {
        var graph = CoreGraph();

        // A graph that bound nothing would find no cycle either: every type name resolves, and known arrows are there.
        Assert.Empty(graph.Unresolved);
        Assert.Contains("Config", graph.Edges["Chain"].Keys);
        Assert.Contains("Chain", graph.Edges["DependencyInjection"].Keys);
        Assert.Contains("Shared/Compression", graph.Edges["Chain"].Keys);
    }

    [Fact]
    public void A_reference_back_up_is_reported_as_a_cycle_with_the_file_that_makes_it()
    {
        using var tree = new TempDirectory();
        Write(tree.Path, "Low/Primitive.cs", "namespace Demo; internal sealed class Primitive { public High? Owner; }");
        Write(tree.Path, "High/High.cs", "namespace Demo; internal sealed class High { public Primitive P = new(); }");
        Write(tree.Path, "Top/Top.cs", "namespace Demo; internal static class Top { public static High Make() => new(); }");

        var graph = FolderGraph.Read(tree.Path);
        var cycle = Assert.Single(graph.Cycles());

        Assert.Equal(["High", "Low"], cycle);
        Assert.Contains("Low -> High (Primitive.cs: Demo.High)", graph.Describe(cycle));
        Assert.Empty(graph.Cycles(ignore: [("Low", "High")]));
    }

    /// <summary>Read once: compiling the tree takes seconds.</summary>
    private static readonly Lazy<FolderGraph> Core = new(ReadCoreGraph);

    private static FolderGraph CoreGraph() => Core.Value;

    private static FolderGraph ReadCoreGraph()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "Resilience.Core");
        return FolderGraph.Read(project, SharedSourceDirectories(project).ToArray());
    }

    /// <summary>The shared-source folders the project compiles (<c>&lt;Compile Include="../Shared/X/*.cs"</c>), read from its csproj.</summary>
    private static IEnumerable<string> SharedSourceDirectories(string project)
    {
        var csproj = File.ReadAllText(Directory.GetFiles(project, "*.csproj").Single());
        return Regex.Matches(csproj, @"\.\./Shared/(?<concept>[A-Za-z]+)/")
            .Select(m => m.Groups["concept"].Value)
            .Distinct()
            .Select(concept => Path.GetFullPath(Path.Combine(project, "..", "Shared", concept)));
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Resilience.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Resilience.sln not found above " + AppContext.BaseDirectory);
    }
}
