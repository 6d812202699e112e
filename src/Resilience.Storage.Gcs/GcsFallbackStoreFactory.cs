using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.Gcs;

/// <summary>Creates <c>gcs://bucket/prefix</c> stores from <see cref="GcsFallbackStoreOptions"/>, or over a <see cref="StorageClient"/> registered in the container.</summary>
internal sealed class GcsFallbackStoreFactory : IFallbackStoreFactory
{
    internal const string DefaultEndpoint = "https://storage.googleapis.com";
    private readonly GcsFallbackStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StorageClient? _registeredClient;

    /// <param name="options">The store's options.</param>
    /// <param name="timeProvider">The clock of the retry budget.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="registeredClient">A <see cref="StorageClient"/> from the container, used instead of one built from the options.</param>
    public GcsFallbackStoreFactory(IOptions<GcsFallbackStoreOptions> options, TimeProvider timeProvider, ILogger<GcsFallbackStore>? logger = null, StorageClient? registeredClient = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _registeredClient = registeredClient;
    }

    public string Scheme => "gcs";

    public IFallbackStore Create(Uri storage)
    {
        var location = GcsStorageLocation.Parse(storage);
        var clients = new GcsClientSource(_options, _registeredClient);
        Log.UsingCredentials(_logger, location.Description, clients.Source, clients.Endpoint);
        if (clients.IgnoresServiceAccountVariable)
        {
            Log.EnvironmentVariableIgnored(_logger, location.Description, GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable, clients.Source);
        }

        var pipeline = StoreRetryPipeline.Create(_options, GcsFallbackStore.IsTransient, _timeProvider, "resilience-gcs-store", (attempt, delay, error) => Log.Retrying(_logger, location.Description, attempt, delay, error));
        return new GcsFallbackStore(clients, location, _options, pipeline);
    }
}
