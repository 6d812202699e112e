using System.IO.Compression;

namespace Resilience.ControlPlane.Tests;

/// <summary>
/// Gzip for the tests' own peers, with the framework's stream: the product's bounded decoder is shared source compiled
/// into several assemblies this project sees, so the tests do not name it.
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
}
