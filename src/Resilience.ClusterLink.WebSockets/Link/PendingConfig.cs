using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>A pushed configuration or delta waiting to be applied (one slot per connection: a newer push replaces it).</summary>
/// <param name="Header">Its header: type (config or config_delta), hash, version, encoding, announced size, signature, base.</param>
/// <param name="Payload">The payload as received.</param>
/// <param name="ReceivedAt">When it arrived (a timestamp of the link's clock), for the push-to-apply duration.</param>
internal sealed record PendingConfig(BinaryHeader Header, ReadOnlyMemory<byte> Payload, long ReceivedAt)
{
    /// <summary>Gets a value indicating whether this is a delta (<see cref="LinkProtocol.Types.ConfigDelta"/>).</summary>
    public bool IsDelta => Header.Type == LinkProtocol.Types.ConfigDelta;

    /// <summary>
    /// Decodes a whole configuration's payload as the header says, under the chain's limits (the one place they are set):
    /// the payload as received within <see cref="ConfigLimits.MaxConfigBytes"/>, a gzip bomb costs at most
    /// <see cref="ConfigLimits.MaxDecompressedBytes"/>.
    /// </summary>
    /// <exception cref="GzipContentException">Unknown encoding, too large, damaged, or not the announced size.</exception>
    public ReadOnlyMemory<byte> DecodeContent(ConfigLimits limits)
    {
        if (Payload.Length > limits.MaxConfigBytes)
        {
            throw new GzipContentException(RejectionReason.TooLarge, $"content of {Payload.Length} bytes exceeds the limit of {limits.MaxConfigBytes} bytes");
        }

        var maxDecompressedBytes = limits.MaxDecompressedBytes;
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
