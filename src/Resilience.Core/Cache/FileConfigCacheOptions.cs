namespace Resilience;

/// <summary>Settings of the gzip JSON file cache (<c>config.json.gz</c>), bound from the <c>Cache</c> sub-section.</summary>
public sealed class FileConfigCacheOptions
{
    /// <summary>Gets or sets the cache file. Default: <c>config.json.gz</c> in <see cref="DataPlaneResilienceOptions.DataDirectory"/>.</summary>
    public string? Path { get; set; }

    /// <summary>Gets the encryption at rest settings (<c>Cache:Encryption</c>). Off unless a key is configured or the <c>RESILIENCE_CACHE_KEY</c> environment variable is set.</summary>
    public CacheEncryptionOptions Encryption { get; } = new();
}
