using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>Reads the exported configuration for this node's version from the fallback store (tier 3 at start-up).</summary>
internal sealed class FallbackImporter
{
    internal const string ExporterMetadataKey = FallbackStoreKeys.ExporterNodeIdMetadataKey;
    internal const string SignatureMetadataKey = FallbackStoreKeys.SignatureMetadataKey;
    private readonly IFallbackStore? _store;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly ChainMetrics _metrics;

    /// <summary>
    /// Created by the container: imports from the resolved store when <see cref="FallbackStoreOptions.Import"/> is on;
    /// otherwise (or with no store) <see cref="IsEnabled"/> is false and the chain skips tier 3.
    /// </summary>
    public FallbackImporter(FallbackStoreResolver stores, IOptions<FallbackStoreOptions> storeOptions, IOptions<DataPlaneResilienceOptions> options, ILogger<FallbackImporter> logger, DataPlane dataPlane)
        : this(storeOptions.Value.Import ? stores.Store : null, options.Value.MaxConfigBytes, logger, dataPlane.Metrics)
    {
    }

    internal FallbackImporter(IFallbackStore? store, long maxBytes, ILogger logger, ChainMetrics metrics)
    {
        _store = store;
        _maxBytes = maxBytes;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>Gets a value indicating whether there is a store to import from.</summary>
    public bool IsEnabled => _store is not null;

    public async ValueTask<ConfigDocument?> ImportAsync(string nodeVersion, CancellationToken cancellationToken)
    {
        if (_store is not { } store)
        {
            return null;
        }

        var key = FallbackStoreKeys.Config(nodeVersion);
        using var activity = DataPlaneActivities.StartStoreOperation(DataPlaneActivities.Import, store.Description, key);
        StoredObject? stored;
        try
        {
            stored = await store.GetAsync(key, _maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.RecordStoreFailure("import");
            activity.Failed(ex);
            Log.ImportFailed(_logger, store.Description, ex);
            return null;
        }

        if (stored is null)
        {
            Log.ImportMissing(_logger, store.Description, key);
            activity?.SetTag(DataPlaneActivities.ImportResultTag, "missing");
            return null;
        }

        var exporter = stored.Metadata.TryGetValue(ExporterMetadataKey, out var id) ? id : "unknown";
        Log.ImportFound(_logger, store.Description, key, exporter);

        // An exporter records the hash it uploaded; the pipeline rejects content that no longer matches it
        // (HashMismatch), so an object damaged into still-valid JSON is never served. An object an operator
        // placed by hand has no hash and is accepted, as the README promises, and the log says so.
        var expectedHash = stored.Metadata.TryGetValue(FallbackStoreKeys.ConfigHashMetadataKey, out var hash) && !string.IsNullOrWhiteSpace(hash) ? hash.Trim() : null;
        if (expectedHash is null)
        {
            Log.ImportWithoutHash(_logger, store.Description, key);
        }

        activity?.SetTag(DataPlaneActivities.ImportResultTag, "found");
        return new ConfigDocument(stored.Content, ConfigFormat.Json, ConfigOrigin.FallbackStore)
        {
            ExpectedHash = expectedHash,
            Signature = stored.Metadata.TryGetValue(SignatureMetadataKey, out var signature) ? signature : null,
            Source = $"{store.Description}/{key}",
        };
    }
}
