using System.Buffers.Binary;
using System.IO.Compression;

namespace Resilience;

/// <summary>
/// Gzip detection and decompression that stops at a byte limit, so a gzip bomb costs at most the limit
/// (plus one byte): the output fills chunks that are never copied while filling (<see cref="BoundedBufferWriter"/>).
/// The one gzip decoder of the family: shared source, compiled into every package that reads gzip someone else wrote.
/// </summary>
internal static class BoundedGzip
{
    /// <summary>Deflate cannot compress better than about 1032:1; a declared size beyond that is a lie, not a hint.</summary>
    private const long MaxDeflateRatio = 1032;

    public static bool IsGzip(ReadOnlySpan<byte> content) => content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b;

    /// <summary>Decompresses, refusing output larger than <paramref name="maxBytes"/>.</summary>
    /// <remarks>
    /// <paramref name="sizeHint"/> (a size the sender announced), else the trailer's length field (ISIZE), sizes the first
    /// chunk when it is plausible, so a well-formed stream decompresses into one array of the exact size with no copy.
    /// Either is only a hint: ISIZE is taken modulo 2^32 and covers the last member only, and an attacker writes both;
    /// the limit is enforced on the bytes actually produced.
    /// </remarks>
    /// <exception cref="GzipContentException">Too large or damaged.</exception>
    public static byte[] Decompress(ReadOnlyMemory<byte> compressed, long maxBytes, long? sizeHint = null)
    {
        var firstChunk = sizeHint is { } hint && IsPlausible(hint, compressed.Length, maxBytes) ? hint : DeclaredLength(compressed.Span, maxBytes);
        var output = new BoundedBufferWriter(maxBytes, firstChunk, static limit =>
            new GzipContentException(RejectionReason.TooLarge, $"decompressed content exceeds the limit of {limit} bytes"));
        try
        {
            using var input = ReadOnlyMemoryStream.Create(compressed);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            Span<byte> probe = stackalloc byte[1];
            while (true)
            {
                // A full chunk gets a successor only when there is more to read: an exactly sized first chunk is returned as is.
                if (!output.HasFreeSpace)
                {
                    if (gzip.Read(probe) == 0)
                    {
                        break;
                    }

                    output.GetSpan(1)[0] = probe[0];
                    output.Advance(1);
                    continue;
                }

                var read = gzip.Read(output.GetSpan(1));
                if (read == 0)
                {
                    break;
                }

                output.Advance(read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new GzipContentException(RejectionReason.BadCompression, $"gzip content is damaged: {ex.Message}", ex);
        }

        return output.ToArray();
    }

    /// <summary>Compresses with the fastest level that still halves typical JSON.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> content) => Compress([], content);

    /// <summary>Compresses <paramref name="header"/> followed by <paramref name="content"/> as one stream, without joining them first.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> header, ReadOnlySpan<byte> content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(header);
            gzip.Write(content);
        }

        return output.ToArray();
    }

    /// <summary>The trailer's ISIZE when it is plausible (within the limit and the deflate ratio), else 0.</summary>
    private static long DeclaredLength(ReadOnlySpan<byte> compressed, long maxBytes)
    {
        if (compressed.Length < 18)
        {
            return 0;
        }

        long declared = BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]);
        return IsPlausible(declared, compressed.Length, maxBytes) ? declared : 0;
    }

    private static bool IsPlausible(long size, int compressedLength, long maxBytes) =>
        size > 0 && size <= maxBytes && size <= compressedLength * MaxDeflateRatio;
}
