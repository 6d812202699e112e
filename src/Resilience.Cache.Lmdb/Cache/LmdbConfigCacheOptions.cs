namespace Resilience;

/// <summary>
/// Settings of the LMDB cache (a <c>dbless.lmdb</c> directory), bound from the <c>Cache:Lmdb</c>
/// sub-section of the section given to <c>AddDataPlaneResilience</c> and validated at start-up.
/// </summary>
public sealed class LmdbConfigCacheOptions
{
    /// <summary>Gets or sets the cache directory. Default: <c>dbless.lmdb</c> in <see cref="DataPlaneResilienceOptions.DataDirectory"/>.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Gets or sets the size of the LMDB memory map in bytes: the largest the cache can grow. Default: 1 GiB.
    /// </summary>
    /// <remarks>
    /// The map reserves address space, not disk; the data file grows only as written. A write needs
    /// room for the old and the new configuration at once, so keep it above twice the largest
    /// configuration. A configuration that does not fit is not cached: the write fails with a clear
    /// error, the previous cached configuration stays, the served configuration is unaffected, and
    /// <c>resilience.cache.write_failures</c> counts it. Rounded up to the system page size; at least 1 MiB.
    /// </remarks>
    public long MapSize { get; set; } = LmdbConfigCacheDefaults.MapSize;

    /// <summary>Gets or sets the number of LMDB reader slots (concurrent read transactions). Default: 126.</summary>
    public int MaxReaders { get; set; } = LmdbConfigCacheDefaults.MaxReaders;

    /// <summary>
    /// Gets or sets which native LMDB library to load: <see cref="LmdbNativeLibrary.Auto"/> (the default: the one bundled
    /// with LightningDB when it loads, else the system's <c>liblmdb.so.0</c>), <see cref="LmdbNativeLibrary.Bundled"/> or
    /// <see cref="LmdbNativeLibrary.System"/>.
    /// </summary>
    /// <remarks>
    /// The two write different file formats (LMDB 1.x and 0.9) that cannot read each other; a fleet that copies cache
    /// directories between nodes names one here on every node. An explicit choice is checked at start-up: start fails
    /// when that library does not load. The choice holds for the whole process (the first LMDB cache decides); a second
    /// cache in the same process naming the other library is refused.
    /// </remarks>
    public LmdbNativeLibrary NativeLibrary { get; set; } = LmdbNativeLibrary.Auto;

    /// <summary>
    /// Gets the encryption at rest settings: <c>Cache:Encryption</c> (shared with the file cache), overridden by
    /// <c>Cache:Lmdb:Encryption</c>. Off unless a key is configured or the <c>RESILIENCE_CACHE_KEY</c> environment variable is set.
    /// </summary>
    public CacheEncryptionOptions Encryption { get; } = new();
}
