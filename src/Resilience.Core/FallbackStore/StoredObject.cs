namespace Resilience;

/// <summary>An object read from a fallback store.</summary>
/// <param name="Key">The key, relative to the store's prefix.</param>
/// <param name="Content">The bytes.</param>
/// <param name="Metadata">The metadata stored with it.</param>
/// <param name="LastModified">When the store last wrote it, by the store's clock.</param>
public sealed record StoredObject(string Key, ReadOnlyMemory<byte> Content, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset LastModified)
{
    /// <summary>
    /// Gets the store's opaque version of the object (a GCS generation, an S3 ETag), or
    /// <see langword="null"/> when the store has none; <see cref="IConditionalFallbackStore"/> compares it.
    /// </summary>
    public string? Version { get; init; }
}
