using System.ComponentModel.DataAnnotations;
using Google.Apis.Auth.OAuth2;

namespace Resilience.Storage.Gcs;

/// <summary>
/// Settings of the Google Cloud Storage fallback store. The bucket and prefix come from the storage URI
/// (<c>gcs://bucket/prefix</c>); credentials from <see cref="ServiceAccountJson"/>, else the
/// <c>GCP_SERVICE_ACCOUNT</c> variable, else application default credentials.
/// </summary>
public sealed class GcsFallbackStoreOptions : FallbackStoreRetryOptions
{
    /// <summary>The environment variable holding a service-account key as JSON (the reference's <c>GCP_SERVICE_ACCOUNT</c>).</summary>
    public const string ServiceAccountEnvironmentVariable = "GCP_SERVICE_ACCOUNT";

    /// <summary>The OAuth scope requested: read and write objects.</summary>
    public const string Scope = "https://www.googleapis.com/auth/devstorage.read_write";

    /// <summary>Gets or sets the JSON API endpoint, for a private endpoint or tests. Default: <c>https://storage.googleapis.com</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets a service-account key (JSON). Unset: <see cref="ServiceAccountEnvironmentVariable"/>, else application default credentials.</summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>Gets or sets an explicit credential, which wins over the JSON and the defaults. Not bound from configuration.</summary>
    public GoogleCredential? Credential { get; set; }

    /// <summary>Gets or sets how many objects one list request asks for. Default: 1000 (the API's maximum).</summary>
    [Range(1, 1000)]
    public int ListPageSize { get; set; } = 1000;
}
