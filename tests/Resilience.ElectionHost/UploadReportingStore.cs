namespace Resilience.ElectionHost;

/// <summary>Passes every call to the real store and prints a line for every completed upload of a config object.</summary>
internal class UploadReportingStore(IFallbackStore inner, string nodeId) : IFallbackStore
{
    public string Description => inner.Description;

    /// <summary>Wraps <paramref name="inner"/>, keeping its conditional writes (the exporter then uses them, as it does on the real store).</summary>
    public static IFallbackStore Wrap(IFallbackStore inner, string nodeId) =>
        inner is IConditionalFallbackStore conditional ? new Conditional(conditional, nodeId) : new UploadReportingStore(inner, nodeId);

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await inner.PutAsync(key, content, metadata, cancellationToken);
        Report(key, content);
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    protected void Report(string key, ReadOnlyMemory<byte> content)
    {
        if (key.EndsWith("/config.json", StringComparison.Ordinal))
        {
            Console.WriteLine($"UPLOAD {Sha256Hex.Of(content.Span)} {nodeId}");
        }
    }

    /// <summary>A conditional store: a write that lost its precondition is not an upload.</summary>
    private sealed class Conditional(IConditionalFallbackStore inner, string nodeId) : UploadReportingStore(inner, nodeId), IConditionalFallbackStore
    {
        public async ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken)
        {
            var written = await inner.TryPutAsync(key, content, metadata, expectedVersion, cancellationToken);
            if (written)
            {
                Report(key, content);
            }

            return written;
        }
    }
}
