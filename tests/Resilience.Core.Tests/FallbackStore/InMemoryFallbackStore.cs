using System.Collections.Concurrent;

namespace Resilience.Tests.FallbackStore;

/// <summary>A fallback store in memory whose clock is the test's, which counts writes and can be told to fail.</summary>
internal sealed class InMemoryFallbackStore(TimeProvider clock) : IFallbackStore
{
    private readonly ConcurrentDictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Key, string? NodeId)> _puts = new();

    public string Description => "memory://test";

    /// <summary>Gets or sets a failure injected before an operation ("get", "put", "list", "delete") on a key; null lets it pass.</summary>
    public Func<string, string, Exception?>? Fail { get; set; }

    public IReadOnlyList<(string Key, string? NodeId)> Puts => _puts.ToArray();

    public int PutCount(string key) => _puts.Count(p => p.Key == key);

    public StoredObject? Peek(string key) => _objects.TryGetValue(key, out var o) ? o : null;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        ThrowIfFailing("get", key);
        return ValueTask.FromResult(_objects.TryGetValue(key, out var o) ? o : null);
    }

    public ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ThrowIfFailing("put", key);
        _objects[key] = new StoredObject(key, content.ToArray(), new Dictionary<string, string>(metadata), clock.GetUtcNow());
        _puts.Enqueue((key, metadata.TryGetValue(FallbackImporter.ExporterMetadataKey, out var id) ? id : null));
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        ThrowIfFailing("list", keyPrefix);
        IReadOnlyList<StoredObjectInfo> list = _objects.Values
            .Where(o => o.Key.StartsWith(keyPrefix, StringComparison.Ordinal))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new StoredObjectInfo(o.Key, o.Content.Length, o.LastModified))
            .ToList();
        return ValueTask.FromResult(list);
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfFailing("delete", key);
        _objects.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    private void ThrowIfFailing(string operation, string key)
    {
        if (Fail?.Invoke(operation, key) is { } ex)
        {
            throw ex;
        }
    }
}
