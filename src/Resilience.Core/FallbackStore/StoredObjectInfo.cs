namespace Resilience;

/// <summary>An entry of a fallback store listing.</summary>
/// <param name="Key">The key, relative to the store's prefix.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastModified">When the store last wrote it, by the store's clock.</param>
public sealed record StoredObjectInfo(string Key, long Size, DateTimeOffset LastModified);
