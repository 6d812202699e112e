using Amazon;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.S3;

/// <summary>Creates <c>s3://bucket/prefix</c> stores from <see cref="S3FallbackStoreOptions"/>, or over an <see cref="IAmazonS3"/> registered in the container.</summary>
internal sealed class S3FallbackStoreFactory : CloudFallbackStoreFactory<S3FallbackStoreOptions>
{
    private readonly IAmazonS3? _registeredClient;

    /// <param name="options">The store's options.</param>
    /// <param name="timeProvider">The clock of the retry budget.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="registeredClient">An <see cref="IAmazonS3"/> from the container (for example <c>AddAWSService&lt;IAmazonS3&gt;()</c>), used instead of a client built from the options.</param>
    public S3FallbackStoreFactory(IOptions<S3FallbackStoreOptions> options, TimeProvider timeProvider, ILogger<S3FallbackStore>? logger = null, IAmazonS3? registeredClient = null)
        : base(options.Value, timeProvider, logger)
    {
        _registeredClient = registeredClient;
    }

    public override string Scheme => "s3";

    protected override string ContainerNoun => "bucket";

    protected override string PipelineName => "resilience-s3-store";

    protected override IFallbackStore CreateStore(StorageLocation location)
    {
        var operations = Operations(location, new S3StoreErrors(location));
        var fromEnvironment = Environment.GetEnvironmentVariable(S3FallbackStoreOptions.EndpointEnvironmentVariable);
        if (_registeredClient is { } registered)
        {
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                Log.EnvironmentVariableIgnored(Logger, location.Description, S3FallbackStoreOptions.EndpointEnvironmentVariable, fromEnvironment, "the IAmazonS3 registered in the container is used");
            }

            // The container's client carries its own endpoint, region and credentials; the options' are not used.
            Log.UsingRegisteredClient(Logger, location.Description, registered.Config.ServiceURL ?? registered.Config.RegionEndpoint?.SystemName ?? "the SDK's default");
            if (registered.Config.MaxErrorRetry > 0)
            {
                Log.RegisteredClientRetries(Logger, location.Description, registered.Config.MaxErrorRetry);
            }

            return new S3FallbackStore(registered, location, Options, operations, ownsClient: false);
        }

        if (!string.IsNullOrWhiteSpace(fromEnvironment) && Options.Endpoint is { Length: > 0 } configured && !string.Equals(configured, fromEnvironment, StringComparison.Ordinal))
        {
            Log.EnvironmentVariableIgnored(Logger, location.Description, S3FallbackStoreOptions.EndpointEnvironmentVariable, fromEnvironment, $"the configured Endpoint {configured} wins");
        }

        var client = CreateClient(Options, out var endpoint);
        if (endpoint is not null)
        {
            Log.UsingEndpoint(Logger, location.Description, endpoint);
        }

        return new S3FallbackStore(client, location, Options, operations);
    }

    protected override void LogRetry(string store, int attempt, TimeSpan delay, string? error) => Log.Retrying(Logger, store, attempt, delay, error);

    internal static AmazonS3Client CreateClient(S3FallbackStoreOptions options, out string? endpoint)
    {
        endpoint = options.Endpoint is { Length: > 0 } configured ? configured : Environment.GetEnvironmentVariable(S3FallbackStoreOptions.EndpointEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            endpoint = null;
        }

        var config = new AmazonS3Config
        {
            // Polly retries within the store's budget; the SDK's own retries would multiply it.
            MaxErrorRetry = 0,
            Timeout = options.AttemptTimeout,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region
                ?? Environment.GetEnvironmentVariable("AWS_REGION")
                ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
                ?? "us-east-1";
        }
        else if (options.Region is { Length: > 0 } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return options.Credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(options.Credentials, config);
    }
}
