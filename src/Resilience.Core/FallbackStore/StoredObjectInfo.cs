namespace Resilience;

/// <summary>An entry of a fallback store listing.</summary>
/// <param name="Key">The key, relative to the store's prefix.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When the store last wrote it, by the store's clock.</param>
public sealed record StoredObjectInfo(string Key, long Size, DateTimeOffset LastModified)
{
    /// <summary>Gets the store's opaque version of the object, or <see langword="null"/> when the store has none.</summary>
    public string? Version { get; init; }
}
