namespace Resilience;

/// <summary>
/// Crash-safe file replacement: write a temporary file beside the target, fsync it, rename it
/// over the target, fsync the directory. A crash at any point leaves the old file or the new one, never a mix.
/// </summary>
internal static class AtomicFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = TempPath(path);
        try
        {
            using (var stream = OpenTemp(temp))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static async ValueTask WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await ReplaceAsync(path, content, flushFile: true, cancellationToken).ConfigureAwait(false);
        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Writes a temporary file beside <paramref name="path"/> (fsynced when <paramref name="flushFile"/>) and renames it
    /// over it, without the directory fsync: for a writer that replaces several files and fsyncs their directories once,
    /// after the last rename. A crash (SIGKILL) still leaves the old file or the new one; durability against a power loss
    /// waits for that directory fsync (and, without <paramref name="flushFile"/>, on the file system writing a replaced
    /// file's data before the rename, as ext4 and btrfs do).
    /// </summary>
    public static async ValueTask ReplaceAsync(string path, ReadOnlyMemory<byte> content, bool flushFile, CancellationToken cancellationToken)
    {
        var temp = TempPath(path);
        try
        {
            var stream = OpenTemp(temp);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                if (flushFile)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes the temporary files that writes of <paramref name="path"/> interrupted by a crash left behind.</summary>
    /// <remarks>Call only when no other writer of the same path runs (start-up of the single owner).</remarks>
    public static void DeleteLeftovers(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!System.IO.Directory.Exists(directory))
        {
            return;
        }

        foreach (var leftover in System.IO.Directory.EnumerateFiles(directory, Path.GetFileName(path) + ".tmp-*"))
        {
            TryDelete(leftover);
        }
    }

    /// <summary>Temporary files of interrupted writes; safe to delete when no writer runs.</summary>
    public static bool IsTemp(string fileName) => fileName.Contains(".tmp-", StringComparison.Ordinal);

    private static string TempPath(string path) => $"{path}.tmp-{Guid.NewGuid():N}";

    private static FileStream OpenTemp(string temp)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return new FileStream(temp, options);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
