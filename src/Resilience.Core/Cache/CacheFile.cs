using System.Buffers.Binary;

namespace Resilience;

/// <summary>
/// The bytes of a cache file (<c>config.json.gz</c> and the history's copies beside it): the <see cref="CacheEnvelope"/>
/// gzip-compressed, then sealed when the cache encrypts. Decoding checks every layer: the seal, the gzip stream and its
/// trailer, the envelope's header, length and hash.
/// </summary>
internal static class CacheFile
{
    public static byte[] Encode(ConfigSnapshot snapshot, DateTimeOffset savedAt, CacheEncryption? encryption)
    {
        // The header line and the payload go into the gzip stream one after the other: the same bytes as compressing
        // CacheEnvelope.Encode's entry, without first copying a 10 MB payload behind its header.
        var content = BoundedGzip.Compress(CacheEnvelope.EncodeHeaderLine(snapshot, savedAt), snapshot.Payload.Span);
        return encryption is null ? content : encryption.Seal(content);
    }

    /// <remarks>
    /// The payload's SHA-256 is not computed here: the document carries the header's hash as
    /// <see cref="ConfigDocument.ExpectedHash"/>, and the apply pipeline hashes every document and rejects a mismatch
    /// (<see cref="RejectionReason.HashMismatch"/>; a history entry that fails so is dropped), so an altered payload is
    /// never served and a 10 MB payload is hashed once. Damage in transit or at rest is caught before that by the gzip
    /// trailer (CRC-32 and length) and, when encrypted, by the seal.
    /// </remarks>
    /// <exception cref="InvalidDataException">The bytes are not a whole, intact entry (or the key is wrong).</exception>
    /// <exception cref="GzipContentException">The gzip stream is damaged or over the limit.</exception>
    public static ConfigDocument Decode(byte[] stored, CacheEncryption? encryption, long maxDecompressedBytes, string source)
    {
        var compressed = stored;
        string? migratedFrom = null;
        if (encryption is not null)
        {
            // An entry sealed with an earlier key, or stored before encryption was on, is opened and says so (key migration).
            compressed = encryption.OpenStored(compressed, out migratedFrom);
        }
        else if (CacheEncryption.IsSealed(compressed))
        {
            throw new InvalidDataException($"the cache is encrypted and no key is configured (Cache:Encryption:Key or the {CacheEncryption.DefaultKeyEnvironmentVariable} environment variable)");
        }

        if (!BoundedGzip.IsGzip(compressed))
        {
            throw new InvalidDataException("not gzip");
        }

        // Header (10) and trailer (8): anything shorter has no length field to check (a fuzz finding: a file
        // holding only the gzip magic made the trailer read throw out of LoadAsync).
        if (compressed.Length < 18)
        {
            throw new InvalidDataException($"{compressed.Length} bytes is too short for gzip (truncated?)");
        }

        // The header line adds a few hundred bytes to the payload limit.
        var content = BoundedGzip.Decompress(compressed, SaturatingAdd(maxDecompressedBytes, 4096));

        // GZipStream accepts a stream cut inside its trailer; the trailer's length field catches that.
        if (BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4)) != (uint)content.Length)
        {
            throw new InvalidDataException("gzip trailer is missing or wrong (truncated?)");
        }

        return CacheEnvelope.Decode(content, source, verifyHash: false, migratedFrom: migratedFrom);
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
