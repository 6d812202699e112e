using Amazon;
using Amazon.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.S3;

/// <summary>Creates <c>s3://bucket/prefix</c> stores from <see cref="S3FallbackStoreOptions"/>.</summary>
internal sealed class S3FallbackStoreFactory : IFallbackStoreFactory
{
    private readonly S3FallbackStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public S3FallbackStoreFactory(IOptions<S3FallbackStoreOptions> options, TimeProvider timeProvider, ILogger<S3FallbackStore>? logger = null)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string Scheme => "s3";

    public IFallbackStore Create(Uri storage)
    {
        var location = S3StorageLocation.Parse(storage);
        var client = CreateClient(_options, out var endpoint);
        if (endpoint is not null)
        {
            Log.UsingEndpoint(_logger, location.Description, endpoint);
        }

        var pipeline = StoreRetryPipeline.Create(_options, S3FallbackStore.IsTransient, _timeProvider, "resilience-s3-store", (attempt, delay, error) => Log.Retrying(_logger, location.Description, attempt, delay, error));
        return new S3FallbackStore(client, location, _options, pipeline);
    }

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
