using System.IO.Compression;

namespace Resilience;

/// <summary>Gzip detection and decompression that stops at a byte limit, so a gzip bomb costs at most the limit.</summary>
internal static class BoundedGzip
{
    public static bool IsGzip(ReadOnlySpan<byte> content) => content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b;

    /// <summary>Decompresses, refusing output larger than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="ConfigRejectedException">Too large or damaged.</exception>
    public static byte[] Decompress(ReadOnlyMemory<byte> compressed, long maxBytes)
    {
        using var input = ReadOnlyMemoryStream.Create(compressed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream(capacity: (int)Math.Min(maxBytes, Math.Max(4096L, compressed.Length * 4L)));
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > maxBytes)
                {
                    throw new ConfigRejectedException(RejectionReason.TooLarge, $"decompressed content exceeds the limit of {maxBytes} bytes");
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ConfigRejectedException(RejectionReason.BadCompression, $"gzip content is damaged: {ex.Message}", ex);
        }

        return output.ToArray();
    }

    /// <summary>Compresses with the fastest level that still halves typical JSON.</summary>
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
