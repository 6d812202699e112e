using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resilience.Storage;

/// <summary>
/// The part of every cloud store's factory that is not about its client (shared source): reads the storage URI
/// (<see cref="StorageLocation"/>), builds the retry pipeline on the injected clock with the store's error mapping,
/// and logs each retry. A store's factory creates its client and its adapter, nothing else.
/// </summary>
/// <typeparam name="TOptions">The store's options.</typeparam>
internal abstract class CloudFallbackStoreFactory<TOptions> : IFallbackStoreFactory
    where TOptions : FallbackStoreRetryOptions
{
    private readonly TimeProvider _timeProvider;

    /// <param name="options">The store's options.</param>
    /// <param name="timeProvider">The clock of the retry budget.</param>
    /// <param name="logger">The store's logger.</param>
    protected CloudFallbackStoreFactory(TOptions options, TimeProvider timeProvider, ILogger? logger)
    {
        Options = options;
        _timeProvider = timeProvider;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public abstract string Scheme { get; }

    /// <summary>Gets the store's options.</summary>
    protected TOptions Options { get; }

    /// <summary>Gets the store's logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>Gets what the store calls a container (<c>bucket</c>, <c>container</c>), for error messages.</summary>
    protected abstract string ContainerNoun { get; }

    /// <summary>Gets every spelling of the scheme the store accepts (the canonical one first).</summary>
    protected virtual string[] Schemes => [Scheme];

    /// <summary>Gets the retry pipeline's name, for Polly's telemetry.</summary>
    protected abstract string PipelineName { get; }

    /// <inheritdoc/>
    public IFallbackStore Create(Uri storage) => CreateStore(StorageLocation.Parse(storage, ContainerNoun, Schemes));

    /// <summary>Creates the store's client and adapter for a location.</summary>
    protected abstract IFallbackStore CreateStore(StorageLocation location);

    /// <summary>The retry budget around every call of one store, retrying what <paramref name="errors"/> calls transient.</summary>
    protected StoreOperations Operations(StorageLocation location, StoreErrors errors)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(errors);
        var description = location.Description;
        var pipeline = StoreRetryPipeline.Create(Options, errors.IsTransient, _timeProvider, PipelineName, (attempt, delay, error) => LogRetry(description, attempt, delay, error));
        return new StoreOperations(pipeline, errors, Options, description);
    }

    /// <summary>Logs one retry with the store's own event id.</summary>
    protected abstract void LogRetry(string store, int attempt, TimeSpan delay, string? error);
}
