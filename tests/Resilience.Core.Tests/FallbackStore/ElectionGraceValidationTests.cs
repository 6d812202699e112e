using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.Tests.FallbackStore;

/// <summary>Issue 11, defect 3: start-up refuses an election grace shorter than the store's retry budget, and the defaults pass.</summary>
public sealed class ElectionGraceValidationTests
{
    [Fact]
    public void An_exporter_refuses_a_grace_shorter_than_the_stores_retry_budget()
    {
        var store = new RetryingStore(new InMemoryFallbackStore(TimeProvider.System), TimeSpan.FromSeconds(30));
        var options = new FallbackStoreOptions { Storage = "memory://test", Export = true, ElectionGrace = TimeSpan.FromSeconds(10) };

        var error = Assert.Throws<OptionsValidationException>(() => Create(store, options));

        Assert.Contains("ElectionGrace", error.Message, StringComparison.Ordinal);
        Assert.Contains("00:00:30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grace_at_least_the_retry_budget_is_accepted_and_a_store_without_retries_has_no_budget()
    {
        var options = new FallbackStoreOptions { Storage = "memory://test", Export = true, ElectionGrace = TimeSpan.FromSeconds(30) };

        Create(new RetryingStore(new InMemoryFallbackStore(TimeProvider.System), TimeSpan.FromSeconds(30)), options);
        Create(new InMemoryFallbackStore(TimeProvider.System), new FallbackStoreOptions { ElectionGrace = TimeSpan.FromMilliseconds(10) });
    }

    [Fact]
    public void The_default_grace_is_longer_than_the_default_retry_budget()
    {
        var budget = new DefaultRetryOptions().TotalTimeout;

        Assert.True(new FallbackStoreOptions().ElectionGrace > budget, $"grace {new FallbackStoreOptions().ElectionGrace} vs budget {budget}");
        Create(new RetryingStore(new InMemoryFallbackStore(TimeProvider.System), budget), new FallbackStoreOptions());
    }

    [Fact]
    public void A_zero_grace_is_refused_at_start()
    {
        var result = new FallbackStoreOptionsValidator([]).Validate(null, new FallbackStoreOptions { ElectionGrace = TimeSpan.Zero });

        Assert.True(result.Failed);
        Assert.Contains("ElectionGrace", result.FailureMessage, StringComparison.Ordinal);
    }

    private static FallbackConfigExporter Create(IFallbackStore store, FallbackStoreOptions options) =>
        new(store, new FallbackConfigExporterOptions
        {
            NodeId = "node",
            NodeVersion = "1.0.0",
            ElectionInterval = options.ElectionInterval,
            ElectionGrace = options.ElectionGrace,
            ExportDelay = options.ExportDelay,
            MaxConfigBytes = 1024,
            MeterName = "Resilience.Tests." + Guid.NewGuid().ToString("N"),
        }, new FakeTimeProvider(), NullLogger.Instance);

    private sealed class DefaultRetryOptions : FallbackStoreRetryOptions;

    private sealed class RetryingStore(IFallbackStore inner, TimeSpan budget) : IRetryingFallbackStore
    {
        public TimeSpan RetryBudget => budget;

        public string Description => inner.Description;

        public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) => inner.GetAsync(key, maxBytes, cancellationToken);

        public ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) => inner.PutAsync(key, content, metadata, cancellationToken);

        public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) => inner.ListAsync(keyPrefix, cancellationToken);

        public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
    }
}
