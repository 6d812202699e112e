using System.Diagnostics;

namespace Resilience.Tests;

/// <summary>
/// A real tmpfs for one test, mounted by root (as on CI), that can be remounted read-only and back: what a disk the
/// kernel remounted read-only after I/O errors looks like to the node (<c>EROFS</c> on every write). Unmounted on dispose.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private static readonly string Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "resilience-mounts");

    private TmpfsMount(string path) => Path = path;

    /// <summary>Gets the mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a new tmpfs (read-write) of the given size.</summary>
    /// <param name="size">The size option (<c>mount -o size=</c>).</param>
    /// <returns>The mount; dispose it to unmount.</returns>
    public static TmpfsMount Create(string size = "16m")
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("real read-only mounts need root on Linux (CI runs the tests as root); run the tests as root");
        }

        var path = System.IO.Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        return new TmpfsMount(path);
    }

    /// <summary>A path inside the mount.</summary>
    /// <param name="parts">The path's parts below the mount point.</param>
    /// <returns>The full path.</returns>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Remounts read-only: every write from now on fails with "Read-only file system".</summary>
    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    /// <summary>Remounts read-write (the disk came back).</summary>
    public void RemountReadWrite() => Run("mount", "-o", "remount,rw", Path);

    public void Dispose()
    {
        // A process still holding a file open makes a plain unmount fail; detach it lazily then.
        if (!TryRun("umount", Path))
        {
            TryRun("umount", "-l", Path);
        }

        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    private static void Run(params string[] command)
    {
        if (!TryRun(command, out var output))
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {output}");
        }
    }

    private static bool TryRun(params string[] command) => TryRun(command, out _);

    private static bool TryRun(string[] command, out string output)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
