using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// Turns a <c>config_delta</c> into the configuration it makes, or says why it cannot (docs/protocol.md, "Delta sync"):
/// its base must be the configuration served, the patch must decompress and apply within the node's limits, and the
/// result must hash to the delta's target. Bytes that fail any check never reach the chain.
/// </summary>
internal static class ConfigDeltaDecoder
{
    /// <summary>Builds the configuration a delta makes.</summary>
    /// <param name="header">The delta's header.</param>
    /// <param name="payload">The patch as received.</param>
    /// <param name="served">The configuration the node serves (the base), or <see langword="null"/>.</param>
    /// <param name="limits">The chain's size limits: the patch as received and decompressed, and the document it makes.</param>
    /// <returns>The configuration's bytes, which hash to <see cref="BinaryHeader.Hash"/>.</returns>
    /// <exception cref="ConfigDeltaException">The delta cannot be used; the reason is one of <see cref="LinkProtocol.ConfigRequestReasons"/>.</exception>
    public static byte[] Decode(BinaryHeader header, ReadOnlyMemory<byte> payload, ConfigSnapshot? served, ConfigLimits limits)
    {
        if (served is null || !string.Equals(served.Hash, header.BaseHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.BaseMismatch, $"the delta patches {header.BaseHash ?? "nothing"}, the node serves {served?.Hash ?? "nothing"}");
        }

        if (payload.Length > limits.MaxConfigBytes)
        {
            throw new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.TooLarge, $"a patch of {payload.Length} bytes exceeds the limit of {limits.MaxConfigBytes} bytes");
        }

        if (header.TargetSize is not { } size || size < 0 || size > limits.MaxDecompressedBytes)
        {
            throw new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.TooLarge, $"the delta makes a document of {header.TargetSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unstated"} bytes; the limit is {limits.MaxDecompressedBytes}");
        }

        ReadOnlyMemory<byte> patch;
        try
        {
            patch = header.Encoding switch
            {
                LinkProtocol.Encodings.Gzip => BoundedGzip.Decompress(payload, limits.MaxDecompressedBytes, header.Size),
                null or LinkProtocol.Encodings.Identity => payload,
                _ => throw new GzipContentException(RejectionReason.BadCompression, $"unknown encoding '{header.Encoding}'"),
            };
        }
        catch (GzipContentException ex)
        {
            throw new ConfigDeltaException(ex.Reason == RejectionReason.TooLarge ? LinkProtocol.ConfigRequestReasons.TooLarge : LinkProtocol.ConfigRequestReasons.BadCompression, ex.Message, ex);
        }

        byte[] document;
        try
        {
            document = ConfigPatchApplier.Apply(served.Payload, patch, size);
        }
        catch (ConfigPatchException ex)
        {
            throw new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.PatchFailed, $"{ex.Failure}: {ex.Message}", ex);
        }

        var hash = ConfigHash.Compute(document);
        if (!string.Equals(hash, header.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new ConfigDeltaException(LinkProtocol.ConfigRequestReasons.HashMismatch, $"the patched document hashes to {hash}, not {header.Hash}");
        }

        return document;
    }
}

/// <summary>A delta the node cannot use; <see cref="Reason"/> is one of <see cref="LinkProtocol.ConfigRequestReasons"/>.</summary>
internal sealed class ConfigDeltaException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}

/// <summary>The chain's size limits (<see cref="DataPlaneResilienceOptions.MaxConfigBytes"/>, <see cref="DataPlaneResilienceOptions.MaxDecompressedBytes"/>), the one place they are set.</summary>
internal sealed record ConfigLimits(long MaxConfigBytes, long MaxDecompressedBytes)
{
    /// <summary>The chain's defaults (64 MiB as received, 256 MiB decompressed).</summary>
    public static ConfigLimits Default { get; } = new(64L * 1024 * 1024, 256L * 1024 * 1024);

    public static ConfigLimits From(DataPlaneResilienceOptions options) => new(options.MaxConfigBytes, options.MaxDecompressedBytes);
}
