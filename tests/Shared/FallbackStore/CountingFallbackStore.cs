using System.Collections.Concurrent;

namespace Resilience.Tests.FallbackStore;

/// <summary>Wraps a real store and records every upload (key and uploader's node id).</summary>
public sealed class CountingFallbackStore(IFallbackStore inner) : IFallbackStore
{
    private readonly ConcurrentQueue<(string Key, string? NodeId)> _puts = new();

    public string Description => inner.Description;

    public IReadOnlyList<(string Key, string? NodeId)> Puts => _puts.ToArray();

    public IReadOnlyList<string?> UploadersOf(string key) => Puts.Where(p => p.Key == key).Select(p => p.NodeId).ToList();

    /// <summary>How often a key was written: for an election registration, the rounds its node has run.</summary>
    public int PutCount(string key) => Puts.Count(p => p.Key == key);

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await inner.PutAsync(key, content, metadata, cancellationToken);
        _puts.Enqueue((key, metadata.TryGetValue(FallbackImporter.ExporterMetadataKey, out var id) ? id : null));
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
