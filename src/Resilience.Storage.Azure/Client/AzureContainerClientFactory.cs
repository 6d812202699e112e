using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace Resilience.Storage.Azure;

/// <summary>
/// Builds the <see cref="BlobContainerClient"/> a store uses, from the first of: a <see cref="BlobServiceClient"/>
/// registered in the container, the options (<see cref="AzureFallbackStoreOptions.Credential"/>, a connection string,
/// a SAS URI, an account name or endpoint with a key or <see cref="DefaultAzureCredential"/>), then the environment
/// (<c>AZURE_STORAGE_CONNECTION_STRING</c>, <c>AZURE_STORAGE_ACCOUNT</c>). A client built here has the SDK's retries off,
/// so the store's retry budget is the only one. Nothing here does I/O; secrets never reach a message.
/// </summary>
internal static class AzureContainerClientFactory
{
    /// <summary>The client, where its credential comes from (for logs and messages), and whether a variable was set but not used.</summary>
    internal sealed record Result(BlobContainerClient Container, string Source, string? IgnoredVariable);

    /// <exception cref="FallbackStoreException">No account is named, or what names it is not usable.</exception>
    public static Result Create(AzureFallbackStoreOptions options, StorageLocation location, BlobServiceClient? registered, Func<string, string?> environment)
    {
        try
        {
            return CreateClient(options, location, registered, environment);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            // The SDK refuses a token credential over http, a malformed key or endpoint; its messages name no secret.
            throw new FallbackStoreException($"the Azure Storage client for {location.Description} cannot be built: {ex.Message}", ex);
        }
    }

    private static Result CreateClient(AzureFallbackStoreOptions options, StorageLocation location, BlobServiceClient? registered, Func<string, string?> environment)
    {
        var fromEnvironment = environment(AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable) is { Length: > 0 } cs ? cs : null;
        var ignored = fromEnvironment is null ? null : AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable;
        if (registered is not null)
        {
            return new(registered.GetBlobContainerClient(location.Container), "the BlobServiceClient registered in the container", ignored);
        }

        var clientOptions = ClientOptions(options);
        if (options.Credential is { } credential)
        {
            return new(new BlobServiceClient(ServiceUri(options), credential, clientOptions).GetBlobContainerClient(location.Container), $"the configured {credential.GetType().Name}", ignored);
        }

        if (options.ConnectionString is { Length: > 0 } connectionString)
        {
            return new(FromConnectionString(connectionString, "the configured ConnectionString", clientOptions, location), "the configured ConnectionString", ignored);
        }

        if (options.SasUri is { Length: > 0 } sas)
        {
            return new(FromSasUri(sas, clientOptions, location), "the configured SasUri", ignored);
        }

        if (options.AccountName is { Length: > 0 } || options.Endpoint is { Length: > 0 })
        {
            var service = ServiceUri(options);
            if (options.AccountKey is { Length: > 0 } key)
            {
                var account = options.AccountName is { Length: > 0 } name ? name : new BlobUriBuilder(service).AccountName;
                return new(new BlobServiceClient(service, new StorageSharedKeyCredential(account, key), clientOptions).GetBlobContainerClient(location.Container), "the configured AccountKey", ignored);
            }

            return new(new BlobServiceClient(service, new DefaultAzureCredential(), clientOptions).GetBlobContainerClient(location.Container), "DefaultAzureCredential", ignored);
        }

        if (fromEnvironment is not null)
        {
            var source = $"the connection string in {AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable}";
            return new(FromConnectionString(fromEnvironment, source, clientOptions, location), source, null);
        }

        if (environment(AzureFallbackStoreOptions.AccountNameEnvironmentVariable) is { Length: > 0 } accountFromEnvironment)
        {
            var service = new Uri($"https://{accountFromEnvironment}.blob.core.windows.net");
            return new(new BlobServiceClient(service, new DefaultAzureCredential(), clientOptions).GetBlobContainerClient(location.Container), $"DefaultAzureCredential for the account in {AzureFallbackStoreOptions.AccountNameEnvironmentVariable}", null);
        }

        throw new FallbackStoreException(
            $"no Azure Storage account for {location.Description}: set {AzureFallbackStoreOptions.ConnectionStringEnvironmentVariable} or {AzureFallbackStoreOptions.AccountNameEnvironmentVariable}, "
            + "or FallbackStore:Azure:ConnectionString, SasUri or AccountName, or register a BlobServiceClient");
    }

    private static BlobClientOptions ClientOptions(AzureFallbackStoreOptions options)
    {
        var clientOptions = new BlobClientOptions();

        // One retry budget: the store's pipeline. Its per-attempt timeout also bounds each request's network reads.
        clientOptions.Retry.MaxRetries = 0;
        clientOptions.Retry.NetworkTimeout = options.AttemptTimeout;
        return clientOptions;
    }

    private static Uri ServiceUri(AzureFallbackStoreOptions options) =>
        options.Endpoint is { Length: > 0 } endpoint ? new Uri(endpoint) : new Uri($"https://{options.AccountName}.blob.core.windows.net");

    private static BlobContainerClient FromConnectionString(string connectionString, string source, BlobClientOptions clientOptions, StorageLocation location)
    {
        try
        {
            return new BlobServiceClient(connectionString, clientOptions).GetBlobContainerClient(location.Container);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's messages name the missing or malformed part, not the secret.
            throw new FallbackStoreException($"{source} is not a usable Azure Storage connection string ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static BlobContainerClient FromSasUri(string sas, BlobClientOptions clientOptions, StorageLocation location)
    {
        var uri = new BlobUriBuilder(new Uri(sas));
        if (uri.BlobName is { Length: > 0 })
        {
            throw new FallbackStoreException("the configured SasUri names a blob; give the SAS URI of the blob service or of the container");
        }

        if (uri.BlobContainerName is { Length: > 0 } container && !string.Equals(container, location.Container, StringComparison.Ordinal))
        {
            throw new FallbackStoreException($"the configured SasUri is for container '{container}', not '{location.Container}' named by {location.Description}");
        }

        uri.BlobContainerName = location.Container;
        return new BlobContainerClient(uri.ToUri(), clientOptions);
    }
}
