using System.ComponentModel.DataAnnotations;
using Google.Apis.Auth.OAuth2;

namespace Resilience.Storage.Gcs;

/// <summary>
/// Settings of the Google Cloud Storage fallback store. The bucket and prefix come from the storage URI
/// (<c>gcs://bucket/prefix</c>); credentials from <see cref="ServiceAccountJson"/>, else the
/// <c>GCP_SERVICE_ACCOUNT</c> variable, else application default credentials.
/// </summary>
public sealed class GcsFallbackStoreOptions : IStoreRetrySettings
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

    /// <summary>Gets or sets how many times a transient failure (timeout, 5xx, 429, network error) is retried. Default: 4.</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = StoreRetryDefaults.MaxRetryAttempts;

    /// <summary>Gets or sets the first retry delay; later ones grow exponentially, with jitter. Default: 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = StoreRetryDefaults.BaseDelay;

    /// <summary>Gets or sets the longest delay between retries. Default: 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = StoreRetryDefaults.MaxDelay;

    /// <summary>Gets or sets the timeout of one request. Default: 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = StoreRetryDefaults.AttemptTimeout;

    /// <summary>Gets or sets the budget of one operation, retries and delays included; it then fails. Default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan TotalTimeout { get; set; } = StoreRetryDefaults.TotalTimeout;
}
