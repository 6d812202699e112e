namespace Resilience;

/// <summary>
/// Encryption at rest of a configuration cache (AES-GCM, authenticated). Encryption is on when a
/// key is found: <see cref="Key"/> first, else the environment variable named by
/// <see cref="KeyEnvironmentVariable"/>. With a key, entries sealed with that key load; so do, as a migration, entries
/// sealed with one of <see cref="PreviousKeys"/> (a rotated key) and unencrypted entries (encryption just turned on,
/// unless <see cref="RequireEncrypted"/>): they are served after the usual checks and written again with the key. An
/// unknown key or an altered file is logged and ignored, and the chain moves on to the next tier.
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

    /// <summary>
    /// Gets the keys used before a rotation (base64, like <see cref="Key"/>): entries sealed with one of them are read,
    /// served after the usual checks and sealed again with the current key (event 2010). Remove a key once every
    /// node has rewritten its cache. Default: none.
    /// </summary>
    public IList<string> PreviousKeys { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether an unencrypted entry is refused when a key is configured, instead of read
    /// and sealed (the migration when encryption is turned on). Default: <see langword="false"/>. Integrity against a
    /// planted entry comes from configuration signing (<c>Resilience:Signing</c>), which every cached entry passes.
    /// </summary>
    public bool RequireEncrypted { get; set; }
}
