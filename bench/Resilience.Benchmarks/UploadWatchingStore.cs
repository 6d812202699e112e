using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Resilience.Benchmarks;

/// <summary>
/// Passes every call to the real store and completes a waiter when an upload of a configuration object finishes (no
/// polling of the store). It reports the real store's retry budget, so the exporter's start-up check still applies,
/// and keeps its conditional writes (<see cref="Wrap"/>), so the exporter takes the path it takes on the real store.
/// </summary>
internal class UploadWatchingStore(IFallbackStore inner) : IRetryingFallbackStore
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    public string Description => inner.Description;

    public TimeSpan RetryBudget => inner is IRetryingFallbackStore retrying ? retrying.RetryBudget : TimeSpan.Zero;

    /// <summary>Watches <paramref name="inner"/>; conditional when it is.</summary>
    public static UploadWatchingStore Wrap(IFallbackStore inner) =>
        inner is IConditionalFallbackStore conditional ? new Conditional(conditional) : new UploadWatchingStore(inner);

    /// <summary>Completes once a configuration with <paramref name="hash"/> has been uploaded (call it before the upload can happen).</summary>
    public Task WaitForUploadAsync(string hash, CancellationToken cancellationToken) =>
        _waiters.GetOrAdd(hash, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(cancellationToken);

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await inner.PutAsync(key, content, metadata, cancellationToken);
        Uploaded(key, content);
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    protected void Uploaded(string key, ReadOnlyMemory<byte> content)
    {
        if (key.EndsWith("/config.json", StringComparison.Ordinal))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
            _waiters.GetOrAdd(hash, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private sealed class Conditional(IConditionalFallbackStore inner) : UploadWatchingStore(inner), IConditionalFallbackStore
    {
        public async ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken)
        {
            var written = await inner.TryPutAsync(key, content, metadata, expectedVersion, cancellationToken);
            if (written)
            {
                Uploaded(key, content);
            }

            return written;
        }
    }
}
