using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.Gcs;

/// <summary>Creates <c>gcs://bucket/prefix</c> stores from <see cref="GcsFallbackStoreOptions"/>.</summary>
internal sealed class GcsFallbackStoreFactory : IFallbackStoreFactory
{
    internal const string DefaultEndpoint = "https://storage.googleapis.com";
    private readonly GcsFallbackStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public GcsFallbackStoreFactory(IOptions<GcsFallbackStoreOptions> options, TimeProvider timeProvider, ILogger<GcsFallbackStore>? logger = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Scheme => "gcs";

    public IFallbackStore Create(Uri storage)
    {
        var location = GcsStorageLocation.Parse(storage);
        var tokens = new GcsAccessTokenSource(_options);
        Log.UsingCredentials(_logger, location.Description, tokens.Source, _options.Endpoint ?? DefaultEndpoint);
        var pipeline = StoreRetryPipeline.Create(_options, GcsFallbackStore.IsTransient, _timeProvider, "resilience-gcs-store", (attempt, delay, error) => Log.Retrying(_logger, location.Description, attempt, delay, error));

        // Per-attempt timeouts come from the pipeline; the client itself never times out on its own.
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        return new GcsFallbackStore(http, tokens, location, _options, pipeline);
    }
}
