namespace Resilience.Integration.Tests;

/// <summary>Finds the repository and the built samples from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release); samples are built the same way.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string SampleDll(string project) =>
        Path.Combine(Root, "samples", project, "bin", Configuration, "net10.0", project + ".dll");

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
