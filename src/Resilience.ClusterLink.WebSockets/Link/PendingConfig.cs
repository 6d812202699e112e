using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>A pushed configuration waiting to be applied (one slot per connection: a newer push replaces it).</summary>
/// <param name="Header">Its header: hash, version, encoding, announced size, signature.</param>
/// <param name="Payload">The payload as received.</param>
/// <param name="ReceivedAt">When it arrived (a timestamp of the link's clock), for the push-to-apply duration.</param>
internal sealed record PendingConfig(BinaryHeader Header, ReadOnlyMemory<byte> Payload, long ReceivedAt)
{
    /// <summary>Decodes the payload as the header says, under the link's own limit: a gzip bomb costs at most <paramref name="maxDecompressedBytes"/>.</summary>
    /// <exception cref="GzipContentException">Unknown encoding, too large, damaged, or not the announced size.</exception>
    public ReadOnlyMemory<byte> DecodeContent(long maxDecompressedBytes)
    {
        if (string.Equals(Header.Encoding, LinkProtocol.Encodings.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            return Decompress(Payload, Header.Size, maxDecompressedBytes);
        }

        if (Header.Encoding is not (null or LinkProtocol.Encodings.Identity))
        {
            throw new GzipContentException(RejectionReason.BadCompression, $"unknown encoding '{Header.Encoding}'");
        }

        return Payload;
    }

    /// <summary>
    /// Decompresses a pushed config under the link's own limit. An announced size sizes the output (a hint only:
    /// the decoder checks it against the limit and the deflate ratio) and must then be exactly what came out.
    /// </summary>
    private static ReadOnlyMemory<byte> Decompress(ReadOnlyMemory<byte> compressed, long? announced, long limit)
    {
        if (announced > limit)
        {
            throw new GzipContentException(RejectionReason.TooLarge, $"the announced size of {announced} bytes exceeds the limit of {limit} bytes");
        }

        var output = BoundedGzip.Decompress(compressed, limit, announced);
        if (announced is { } size && size > 0 && output.Length != size)
        {
            throw new GzipContentException(RejectionReason.BadCompression, $"the content does not decompress to the announced {size} bytes");
        }

        return output;
    }
}
