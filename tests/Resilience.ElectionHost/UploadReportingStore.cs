namespace Resilience.ElectionHost;

/// <summary>Passes every call to the real store and prints a line for every completed upload of a config object.</summary>
internal sealed class UploadReportingStore(IFallbackStore inner, string nodeId) : IFallbackStore
{
    public string Description => inner.Description;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await inner.PutAsync(key, content, metadata, cancellationToken);
        if (key.EndsWith("/config.json", StringComparison.Ordinal))
        {
            Console.WriteLine($"UPLOAD {Sha256Hex.Of(content.Span)} {nodeId}");
        }
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
