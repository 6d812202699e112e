using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.Storage.Azure;

/// <summary>Creates <c>azure://container/prefix</c> stores from <see cref="AzureFallbackStoreOptions"/>, or over a <see cref="BlobServiceClient"/> registered in the container.</summary>
internal sealed class AzureFallbackStoreFactory : CloudFallbackStoreFactory<AzureFallbackStoreOptions>
{
    private readonly BlobServiceClient? _registeredClient;
    private readonly Func<string, string?> _environment;

    /// <param name="options">The store's options.</param>
    /// <param name="timeProvider">The clock of the retry budget.</param>
    /// <param name="logger">The store's logger.</param>
    /// <param name="registeredClient">A <see cref="BlobServiceClient"/> from the container (for example <c>AddAzureClients(b => b.AddBlobServiceClient(...))</c>), used instead of one built from the options.</param>
    public AzureFallbackStoreFactory(IOptions<AzureFallbackStoreOptions> options, TimeProvider timeProvider, ILogger<AzureFallbackStore>? logger = null, BlobServiceClient? registeredClient = null)
        : this(options, timeProvider, logger, registeredClient, Environment.GetEnvironmentVariable)
    {
    }

    internal AzureFallbackStoreFactory(IOptions<AzureFallbackStoreOptions> options, TimeProvider timeProvider, ILogger? logger, BlobServiceClient? registeredClient, Func<string, string?> environment)
        : base(options.Value, timeProvider, logger)
    {
        _registeredClient = registeredClient;
        _environment = environment;
    }

    public override string Scheme => "azure";

    protected override string ContainerNoun => "container";

    protected override string PipelineName => "resilience-azure-store";

    protected override IFallbackStore CreateStore(StorageLocation location)
    {
        if (!IsContainerName(location.Container))
        {
            throw new FallbackStoreException($"'{location.Container}' in {location.Description} is not an Azure container name (3-63 lowercase letters, digits and single hyphens, starting with a letter or digit)");
        }

        var client = AzureContainerClientFactory.Create(Options, location, _registeredClient, _environment);
        var endpoint = client.Container.Uri.GetLeftPart(UriPartial.Path);
        Log.UsingCredentials(Logger, location.Description, client.Source, endpoint);
        if (_registeredClient is not null)
        {
            Log.UsingRegisteredClient(Logger, location.Description);
        }

        if (client.IgnoredVariable is { } variable)
        {
            Log.EnvironmentVariableIgnored(Logger, location.Description, variable, client.Source);
        }

        return new AzureFallbackStore(client.Container, location, Options, Operations(location, new AzureStoreErrors(location, client.Source)));
    }

    protected override void LogRetry(string store, int attempt, TimeSpan delay, string? error) => Log.Retrying(Logger, store, attempt, delay, error);

    /// <summary>The service's container naming rule (<c>$root</c> aside), checked before any request.</summary>
    internal static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && !name.Contains("--", StringComparison.Ordinal)
        && name[^1] != '-';
}
