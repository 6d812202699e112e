using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;

namespace Resilience.Storage.Gcs;

/// <summary>
/// The <see cref="StorageClient"/> a store uses: the one registered in the container, else one built on first use
/// from the options (an explicit credential, else the service-account JSON from the option or
/// <c>GCP_SERVICE_ACCOUNT</c>, else application default credentials) with the client's own retries off, so the
/// store's retry budget is the only one.
/// </summary>
internal sealed class GcsClientSource : IDisposable
{
    private readonly GcsFallbackStoreOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _owned;
    private StorageClient? _client;

    public GcsClientSource(GcsFallbackStoreOptions options, StorageClient? registered)
    {
        _options = options;
        _client = registered;
        _owned = registered is null;
        var json = ServiceAccountJson(options);
        Source = registered is not null ? "the StorageClient registered in the container"
            : options.Credential is not null ? "an explicit credential"
            : json is not null ? (options.ServiceAccountJson is { Length: > 0 } ? "the configured service account" : $"the service account in {GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable}")
            : "application default credentials";
        Endpoint = registered is not null ? registered.Service.BaseUri : EndpointOf(options);
        IgnoresServiceAccountVariable = (registered is not null || options.Credential is not null || options.ServiceAccountJson is { Length: > 0 })
            && Environment.GetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable) is { Length: > 0 };
    }

    /// <summary>Gets a value indicating whether <c>GCP_SERVICE_ACCOUNT</c> is set but something configured wins over it.</summary>
    public bool IgnoresServiceAccountVariable { get; }

    /// <summary>Gets where the credential comes from, for logs and error messages.</summary>
    public string Source { get; }

    /// <summary>Gets the JSON API endpoint, for logs.</summary>
    public string Endpoint { get; }

    public async ValueTask<StorageClient> GetAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _client) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        if (_owned)
        {
            _client?.Dispose();
        }

        _gate.Dispose();
    }

    private static string EndpointOf(GcsFallbackStoreOptions options) =>
        (options.Endpoint is { Length: > 0 } endpoint ? endpoint : GcsFallbackStoreFactory.DefaultEndpoint).TrimEnd('/');

    private static string? ServiceAccountJson(GcsFallbackStoreOptions options) =>
        options.ServiceAccountJson is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    private async ValueTask<StorageClient> CreateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { } existing)
            {
                return existing;
            }

            var credential = await CreateCredentialAsync(cancellationToken).ConfigureAwait(false);
            var client = await new StorageClientBuilder
            {
                GoogleCredential = credential,
                BaseUri = EndpointOf(_options) + "/storage/v1/",

                // A service account exchanges its key for an access token at its token_uri (as the earlier store did),
                // rather than signing its own JWT per request: one credential path for Google, private endpoints and tests.
                UseJwtAccessWithScopes = false,
            }.BuildAsync(cancellationToken).ConfigureAwait(false);

            // One retry budget: the store's pipeline. Each call also passes RetryOptions.Never; one try per request
            // here turns off the HTTP layer's back-off handlers (503s, network errors, resumable-upload resends) too.
            // The pipeline's per-attempt timeout bounds every request, so the HTTP client's own 100 s limit is lifted.
            client.Service.HttpClient.MessageHandler.NumTries = 1;
            client.Service.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
            Volatile.Write(ref _client, client);
            return client;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<GoogleCredential> CreateCredentialAsync(CancellationToken cancellationToken)
    {
        GoogleCredential credential;
        if (_options.Credential is { } explicitCredential)
        {
            credential = explicitCredential;
        }
        else if (ServiceAccountJson(_options) is { } json)
        {
            try
            {
                credential = CredentialFactory.FromJson<ServiceAccountCredential>(json).ToGoogleCredential();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or Newtonsoft.Json.JsonException or System.Security.Cryptography.CryptographicException)
            {
                throw new FallbackStoreException($"the GCS service-account JSON ({Source}) is not usable: {ex.Message}", ex);
            }
        }
        else
        {
            try
            {
                credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex)
            {
                throw new FallbackStoreException(
                    $"no GCS credentials: set {GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable} to a service-account key (JSON) or configure application default credentials ({ex.Message})", ex);
            }
        }

        return credential.IsCreateScopedRequired ? credential.CreateScoped(GcsFallbackStoreOptions.Scope) : credential;
    }
}
