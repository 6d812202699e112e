namespace Resilience.ControlPlane;

/// <summary>A published configuration as the replicas of a control plane exchange it over an <see cref="IControlPlaneBackplane"/>.</summary>
public sealed record BackplaneConfig
{
    /// <summary>Gets the fleet-wide revision: higher is newer. Assigned by <see cref="IControlPlaneBackplane.PublishAsync"/>.</summary>
    public required long Revision { get; init; }

    /// <summary>Gets the lowercase hex SHA-256 of the JSON.</summary>
    public required string Hash { get; init; }

    /// <summary>Gets the version given at publish time, or <see langword="null"/> (data planes then see the revision).</summary>
    public string? Version { get; init; }

    /// <summary>Gets when it was published.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the size of the JSON in bytes.</summary>
    public required int Size { get; init; }

    /// <summary>Gets the publishing control plane's signature of the JSON, or <see langword="null"/>.</summary>
    public string? Signature { get; init; }

    /// <summary>Gets the JSON, gzip-compressed (the payload data planes are sent).</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Gets the id of the staged rollout it was published with, or <see langword="null"/> when it went to every node at once (see <see cref="PublishedConfig.RolloutId"/>).</summary>
    public string? RolloutId { get; init; }

    /// <summary>Gets a value indicating whether this configuration comes after <paramref name="other"/> in the fleet's order (revision, then hash).</summary>
    /// <param name="other">Another configuration, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when this one wins.</returns>
    public bool IsNewerThan(BackplaneConfig? other) => Follows(Revision, Hash, other?.Revision, other?.Hash);

    internal static bool Follows(long revision, string hash, long? otherRevision, string? otherHash) =>
        otherRevision is not { } theirs || revision > theirs || (revision == theirs && string.CompareOrdinal(hash, otherHash) > 0);
}
