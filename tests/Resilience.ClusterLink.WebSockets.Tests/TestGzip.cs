using System.IO.Compression;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// Gzip for the tests' own control-plane end, with the framework's stream: the product's bounded decoder is shared
/// source compiled into several assemblies this project sees, so the tests do not name it.
/// </summary>
internal static class TestGzip
{
    public static byte[] Compress(ReadOnlySpan<byte> content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public static byte[] Decompress(ReadOnlyMemory<byte> compressed)
    {
        using var input = new MemoryStream(compressed.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
