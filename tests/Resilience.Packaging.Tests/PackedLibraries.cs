using System.Diagnostics;
using System.Security;

namespace Resilience.Packaging.Tests;

/// <summary>
/// Packs every library once (Release, into a temporary folder feed) with a version no other run uses, so the
/// NuGet cache can never serve a stale copy to the consumer; removes that version from the cache afterwards.
/// </summary>
public sealed class PackedLibraries : IAsyncLifetime
{
    public PackedLibraries()
    {
        Root = Path.Combine(Path.GetTempPath(), "resilience-packaging", Guid.NewGuid().ToString("N"));
        Version = "0.1.0-test.r" + Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>Temporary working folder, outside the repository so its Directory.Build.props and nuget.config do not apply.</summary>
    public string Root { get; }

    public string Version { get; }

    /// <summary>The local folder feed holding the packed .nupkg and .snupkg files.</summary>
    public string Feed => Path.Combine(Root, "feed");

    public TimeSpan PackDuration { get; private set; }

    public IReadOnlyList<string> PackageIds { get; } = RepositoryPaths.LibraryProjects.Select(p => Path.GetFileNameWithoutExtension(p)).ToArray();

    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        // Stop MSBuild's upward search for Directory.*.props here: the temp folder's parents are not ours.
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");

        // One solution of the libraries only (as scripts/pack.sh does): tests, samples and benchmarks are not built.
        var solution = Path.Combine(Root, "libraries.slnx");
        var projects = RepositoryPaths.LibraryProjects.Select(p => $"  <Project Path=\"{SecurityElement.Escape(Path.GetRelativePath(Root, p))}\" />");
        await File.WriteAllTextAsync(solution, "<Solution>\n" + string.Join('\n', projects) + "\n</Solution>\n");

        var elapsed = Stopwatch.StartNew();
        await DotnetProcess.RunAsync(
            Root,
            // Six libraries, two frameworks each, from scratch: minutes on a loaded 2-core machine.
            TimeSpan.FromMinutes(20),
            "pack", solution, "-c", "Release", "-o", Feed, "-nologo", "-nodeReuse:false",
            "-p:Version=" + Version,
            // Build output under the temp folder: the repository's bin/ and obj/ stay as the solution build left them.
            "-p:UseArtifactsOutput=true", "-p:ArtifactsPath=" + Path.Combine(Root, "build"));
        PackDuration = elapsed.Elapsed;
    }

    public Task DisposeAsync()
    {
        TryDelete(Root);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in PackageIds)
        {
            TryDelete(Path.Combine(packages, id.ToLowerInvariant(), Version));
            TryDeleteIfEmpty(Path.Combine(packages, id.ToLowerInvariant()));
        }

        return Task.CompletedTask;
    }

    private static void TryDeleteIfEmpty(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
