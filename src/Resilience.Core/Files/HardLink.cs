using System.Runtime.InteropServices;

namespace Resilience;

/// <summary>
/// A second name for a file that is already durable (<c>link(2)</c>): no byte is copied or written again, and the two
/// names share the file's blocks. The history keeps the cache file it just wrote this way.
/// </summary>
internal static partial class HardLink
{
    /// <summary>Creates <paramref name="newPath"/> as another name of <paramref name="existing"/>.</summary>
    /// <returns><see langword="false"/> when the platform or the file system has no hard links (then copy instead).</returns>
    public static bool TryCreate(string existing, string newPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        return Link(existing, newPath) == 0;
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Link(string existing, string newPath);
}
