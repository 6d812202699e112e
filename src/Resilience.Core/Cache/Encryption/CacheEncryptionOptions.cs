namespace Resilience;

/// <summary>
/// Encryption at rest of a configuration cache (AES-GCM, authenticated). Encryption is on when a
/// key is found: <see cref="Key"/> first, else the environment variable named by
/// <see cref="KeyEnvironmentVariable"/>. With a key, only entries sealed with that key load; a wrong
/// key, an altered file or an unencrypted entry is logged and ignored, and the chain moves on to the
/// next tier.
/// </summary>
public sealed class CacheEncryptionOptions
{
    /// <summary>Gets or sets the key, base64-encoded: 16, 24 or 32 bytes (AES-128, AES-192, AES-256). Default: none.</summary>
    /// <remarks>Prefer <see cref="KeyEnvironmentVariable"/> (or a secret store feeding configuration) over a key in a file.</remarks>
    public string? Key { get; set; }

    /// <summary>
    /// Gets or sets the environment variable read for the base64 key when <see cref="Key"/> is unset.
    /// Default: <c>RESILIENCE_CACHE_KEY</c>. Set it to an empty string to ignore the environment.
    /// </summary>
    public string? KeyEnvironmentVariable { get; set; } = CacheEncryption.DefaultKeyEnvironmentVariable;
}
