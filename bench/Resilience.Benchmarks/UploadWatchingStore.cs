using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Resilience.Benchmarks;

/// <summary>
/// Passes every call to the real store and completes a waiter when an upload of a configuration object finishes (no
/// polling of the store). It reports the real store's retry budget, so the exporter's start-up check still applies.
/// </summary>
internal sealed class UploadWatchingStore(IFallbackStore inner) : IRetryingFallbackStore
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public string Description => inner.Description;

    public TimeSpan RetryBudget => inner is IRetryingFallbackStore retrying ? retrying.RetryBudget : TimeSpan.Zero;

    /// <summary>Completes once a configuration with <paramref name="hash"/> has been uploaded (call it before the upload can happen).</summary>
    public Task WaitForUploadAsync(string hash, CancellationToken cancellationToken) =>
        _waiters.GetOrAdd(hash, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await inner.PutAsync(key, content, metadata, cancellationToken);
        if (key.EndsWith("/config.json", StringComparison.Ordinal))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
            _waiters.GetOrAdd(hash, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
}
