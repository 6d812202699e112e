using System.Runtime.InteropServices;

namespace Resilience;

/// <summary>
/// Makes a rename durable: after renaming a file into a directory, the directory entry itself must
/// be fsynced, or a power loss can bring back the old name. .NET has no API for this, so call libc.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            // Windows and macOS make the rename durable through the file's own flush semantics closely enough for a cache.
            return;
        }

        var fd = Open(directory, ReadOnly | Directory);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = FSync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int FSync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
