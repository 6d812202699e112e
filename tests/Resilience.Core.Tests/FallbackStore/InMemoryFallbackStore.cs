using System.Collections.Concurrent;

namespace Resilience.Tests.FallbackStore;

/// <summary>
/// A fallback store in memory whose clock is the test's, which counts writes, versions every object (a
/// generation number) and can be told to fail.
/// </summary>
internal class InMemoryFallbackStore(TimeProvider clock) : IFallbackStore
{
    private readonly ConcurrentDictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Key, string? NodeId, string? Hash)> _puts = new();
    private readonly object _writeLock = new();
    private long _generation;

    public string Description => "memory://test";

    /// <summary>Gets or sets a failure injected before an operation ("get", "put", "list", "delete") on a key; null lets it pass.</summary>
    public Func<string, string, Exception?>? Fail { get; set; }

    /// <summary>Gets every write, in order: key, uploader's node id and the config-hash metadata.</summary>
    public IReadOnlyList<(string Key, string? NodeId, string? Hash)> Puts => _puts.ToArray();

    public int PutCount(string key) => _puts.Count(p => p.Key == key);

    /// <summary>Uploads of a key per config-hash metadata: exactly 1 each when every change was uploaded once.</summary>
    public IReadOnlyDictionary<string, int> UploadsPerHash(string key) =>
        _puts.Where(p => p.Key == key).GroupBy(p => p.Hash ?? "(none)").ToDictionary(g => g.Key, g => g.Count());

    public StoredObject? Peek(string key) => _objects.TryGetValue(key, out var o) ? o : null;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken)
    {
        ThrowIfFailing("get", key);
        return ValueTask.FromResult(_objects.TryGetValue(key, out var o) ? o : null);
    }

    public ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ThrowIfFailing("put", key);
        lock (_writeLock)
        {
            Write(key, content, metadata);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken)
    {
        ThrowIfFailing("list", keyPrefix);
        IReadOnlyList<StoredObjectInfo> list = _objects.Values
            .Where(o => o.Key.StartsWith(keyPrefix, StringComparison.Ordinal))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new StoredObjectInfo(o.Key, o.Content.Length, o.LastModified) { Version = o.Version })
            .ToList();
        return ValueTask.FromResult(list);
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfFailing("delete", key);
        _objects.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes when the key's version is still <paramref name="expectedVersion"/> (null: absent), atomically.</summary>
    protected bool TryWrite(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion)
    {
        ThrowIfFailing("put", key);
        lock (_writeLock)
        {
            var current = _objects.TryGetValue(key, out var o) ? o.Version : null;
            if (current != expectedVersion)
            {
                return false;
            }

            Write(key, content, metadata);
            return true;
        }
    }

    private void Write(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata)
    {
        var version = (++_generation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _objects[key] = new StoredObject(key, content.ToArray(), new Dictionary<string, string>(metadata), clock.GetUtcNow()) { Version = version };
        _puts.Enqueue((
            key,
            metadata.TryGetValue(FallbackImporter.ExporterMetadataKey, out var id) ? id : null,
            metadata.TryGetValue(ExportConstants.ConfigHashMetadataKey, out var hash) ? hash : null));
    }

    private void ThrowIfFailing(string operation, string key)
    {
        if (Fail?.Invoke(operation, key) is { } ex)
        {
            throw ex;
        }
    }
}

/// <summary>The in-memory store with conditional writes (a GCS <c>ifGenerationMatch</c> double).</summary>
internal sealed class ConditionalInMemoryFallbackStore(TimeProvider clock) : InMemoryFallbackStore(clock), IConditionalFallbackStore
{
    public ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryWrite(key, content, metadata, expectedVersion));
}
