using Google.Apis.Auth.OAuth2;

namespace Resilience.Storage.Gcs;

/// <summary>
/// Bearer tokens for the JSON API from Google.Apis.Auth: an explicit credential, else the service-account
/// JSON (option or <c>GCP_SERVICE_ACCOUNT</c>), else application default credentials. The credential is
/// created once, on first use, and caches and refreshes its own tokens.
/// </summary>
internal sealed class GcsAccessTokenSource
{
    private readonly GcsFallbackStoreOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ITokenAccess? _credential;

    public GcsAccessTokenSource(GcsFallbackStoreOptions options)
    {
        _options = options;
        var json = ServiceAccountJson(options);
        Source = options.Credential is not null ? "an explicit credential"
            : json is not null ? (options.ServiceAccountJson is { Length: > 0 } ? "the configured service account" : $"the service account in {GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable}")
            : "application default credentials";
    }

    /// <summary>Gets where the credential comes from, for logs.</summary>
    public string Source { get; }

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var credential = Volatile.Read(ref _credential) ?? await CreateAsync(cancellationToken).ConfigureAwait(false);
        return await credential.GetAccessTokenForRequestAsync(authUri: null, cancellationToken).ConfigureAwait(false);
    }

    private static string? ServiceAccountJson(GcsFallbackStoreOptions options) =>
        options.ServiceAccountJson is { Length: > 0 } configured ? configured
        : Environment.GetEnvironmentVariable(GcsFallbackStoreOptions.ServiceAccountEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : null;

    private async ValueTask<ITokenAccess> CreateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credential is { } existing)
            {
                return existing;
            }

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

            if (credential.IsCreateScopedRequired)
            {
                credential = credential.CreateScoped(GcsFallbackStoreOptions.Scope);
            }

            Volatile.Write(ref _credential, credential);
            return credential;
        }
        finally
        {
            _gate.Release();
        }
    }
}
