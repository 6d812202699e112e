using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.Gcs;

/// <summary>
/// Creates <c>gcs://bucket/prefix</c> stores (<c>gs://bucket/prefix</c> too, the spelling <c>gsutil</c> uses: same
/// store, same keys) from <see cref="GcsFallbackStoreOptions"/>, or over a <see cref="StorageClient"/> registered in the container.
/// </summary>
internal class GcsFallbackStoreFactory : CloudFallbackStoreFactory<GcsFallbackStoreOptions>
{
    internal const string DefaultEndpoint = "https://storage.googleapis.com";
    private readonly StorageClient? _registeredClient;

    /// <param name="options">The store's options.</param>
    /// <param name="timeProvider">The clock of the retry budget.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="registeredClient">A <see cref="StorageClient"/> from the container, used instead of one built from the options.</param>
    public GcsFallbackStoreFactory(IOptions<GcsFallbackStoreOptions> options, TimeProvider timeProvider, ILogger<GcsFallbackStore>? logger = null, StorageClient? registeredClient = null)
        : base(options.Value, timeProvider, logger)
    {
        _registeredClient = registeredClient;
    }

    public override string Scheme => "gcs";

    protected override string ContainerNoun => "bucket";

    protected override string[] Schemes => ["gcs", "gs"];

    protected override string PipelineName => "resilience-gcs-store";

    protected override IFallbackStore CreateStore(StorageLocation location)
    {
        var clients = new GcsClientSource(Options, _registeredClient);
        Log.UsingCredentials(Logger, location.Description, clients.Source, clients.Endpoint);
        if (clients.IgnoresServiceAccountVariable)
        {
            Log.EnvironmentVariableIgnored(Logger, location.Description, GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable, clients.Source);
        }

        return new GcsFallbackStore(clients, location, Options, Operations(location, new GcsStoreErrors(location, clients.Source)));
    }

    protected override void LogRetry(string store, int attempt, TimeSpan delay, string? error) => Log.Retrying(Logger, store, attempt, delay, error);
}

/// <summary>The <c>gs://</c> spelling of <c>gcs://</c>: the same factory under the scheme <c>gsutil</c> and most tools use.</summary>
internal sealed class GsFallbackStoreFactory(IOptions<GcsFallbackStoreOptions> options, TimeProvider timeProvider, ILogger<GcsFallbackStore>? logger = null, StorageClient? registeredClient = null)
    : GcsFallbackStoreFactory(options, timeProvider, logger, registeredClient)
{
    public override string Scheme => "gs";
}
