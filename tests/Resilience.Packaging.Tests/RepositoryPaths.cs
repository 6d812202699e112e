namespace Resilience.Packaging.Tests;

/// <summary>Finds the repository from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every library project (<c>src/*/*.csproj</c>): each one is a package.</summary>
    public static IReadOnlyList<string> LibraryProjects { get; } =
        Directory.GetDirectories(Path.Combine(Root, "src"))
            .SelectMany(dir => Directory.GetFiles(dir, "*.csproj"))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string FindRoot()
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
