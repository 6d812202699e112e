namespace Resilience;

/// <summary>
/// A configuration as it arrives from a tier, before the apply pipeline has checked it:
/// raw bytes (possibly gzip-compressed, JSON or YAML) plus what the source knows about it.
/// </summary>
public sealed class ConfigDocument
{
    /// <summary>Creates a document.</summary>
    /// <param name="content">The raw bytes: JSON or YAML, optionally gzip-compressed.</param>
    /// <param name="format">The syntax of the (decompressed) content.</param>
    /// <param name="origin">The tier the document comes from.</param>
    public ConfigDocument(ReadOnlyMemory<byte> content, ConfigFormat format, ConfigOrigin origin)
    {
        if (origin == ConfigOrigin.None)
        {
            throw new ArgumentOutOfRangeException(nameof(origin), "A document must come from a tier.");
        }

        Content = content;
        Format = format;
        Origin = origin;
    }

    /// <summary>Gets the raw bytes.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Gets the syntax of the content.</summary>
    public ConfigFormat Format { get; }

    /// <summary>Gets the tier the document comes from.</summary>
    public ConfigOrigin Origin { get; }

    /// <summary>Gets the version the control plane gave this configuration, when known.</summary>
    public string? Version { get; init; }

    /// <summary>Gets when the control plane produced this configuration, when known.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Gets the hash the sender claims for the content, when known; the pipeline computes its own and compares.</summary>
    public string? ExpectedHash { get; init; }

    /// <summary>Gets the control plane's signature of the JSON payload (base64, ECDSA P-256, SHA-256), when it signs configurations.</summary>
    public string? Signature { get; init; }

    /// <summary>
    /// Gets how many bytes the document took to receive when that is not <see cref="Content"/>'s length: a tier that
    /// decompressed it or rebuilt it from a delta states what it received, and <see cref="DataPlaneResilienceOptions.MaxConfigBytes"/>
    /// applies to that; <see cref="DataPlaneResilienceOptions.MaxDecompressedBytes"/> applies to the content.
    /// </summary>
    public long? ReceivedBytes { get; init; }

    /// <summary>Gets a short description of where the document was read (a path, a URI, a peer), for logs.</summary>
    public string? Source { get; init; }

    /// <summary>
    /// Gets the id of the control plane's staged rollout this configuration is the candidate of, while that rollout has
    /// not completed (the link's <c>rollout</c> field); <see langword="null"/> for a configuration the whole fleet was
    /// given. Such a configuration is served but never exported to the fallback store until the control plane names it
    /// the fleet's stable configuration (<see cref="IClusterLinkContext.ReportStableConfig"/>).
    /// </summary>
    public string? RolloutId { get; init; }

    /// <summary>
    /// Gets the stricter bake the control plane asks for this configuration (the link's <c>bake</c> field: a staged
    /// rollout's wave, so that its canaries notice a bad configuration sooner), or <see langword="null"/>. The node bakes
    /// with the stricter of it and its own <see cref="BakeOptions"/>; only a configuration from the control plane carries one.
    /// </summary>
    public BakeRequest? RequestedBake { get; init; }

    /// <summary>
    /// Gets what a cache read this entry from when it is not in the form the configured cache writes: another kind of
    /// cache (<c>config.json.gz</c> read by a node now on LMDB, or back), an unencrypted entry (encryption just turned
    /// on), an entry sealed with a previous key. The chain serves it after the usual checks (hash, signature,
    /// validator), writes it to the configured cache in its own form, leaves the old one for the operator and logs the
    /// migration (event 2010). <see langword="null"/> for an entry already in the configured form.
    /// </summary>
    public string? MigratedFrom { get; init; }
}
