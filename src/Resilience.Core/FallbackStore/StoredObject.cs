namespace Resilience;

/// <summary>An object read from a fallback store.</summary>
/// <param name="Key">The key, relative to the store's prefix.</param>
/// <param name="Content">The bytes.</param>
/// <param name="Metadata">The metadata stored with it.</param>
/// <param name="LastModified">When the store last wrote it, by the store's clock.</param>
public sealed record StoredObject(string Key, ReadOnlyMemory<byte> Content, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset LastModified);
