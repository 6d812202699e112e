namespace Resilience;

/// <summary>
/// Where two versions of a document stop being the same, from the end: with the framework's common prefix, the window
/// an edit changed. Used by the control plane's diff and by the YARP parser, which both skip what an edit did not reach.
/// </summary>
internal static class CommonBytes
{
    /// <summary>The length of the longest common suffix, compared a block at a time from the end (vectorised).</summary>
    public static int SuffixLength(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        const int Block = 4096;
        var most = Math.Min(a.Length, b.Length);
        var common = 0;
        while (common + Block <= most && a.Slice(a.Length - common - Block, Block).SequenceEqual(b.Slice(b.Length - common - Block, Block)))
        {
            common += Block;
        }

        while (common < most && a[a.Length - 1 - common] == b[b.Length - 1 - common])
        {
            common++;
        }

        return common;
    }
}
