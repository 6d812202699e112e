using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on the LMDB cache, or reads the one a node left when it moved to another cache.</summary>
public static class LmdbCacheDataPlaneResilienceBuilderExtensions
{
    /// <summary>
    /// Uses an LMDB directory (<c>dbless.lmdb</c> in the data directory by default) as the local cache
    /// instead of the gzip file. Options bind from the <c>Cache:Lmdb</c> sub-section of the section given
    /// to <c>AddDataPlaneResilience</c> (encryption also from <c>Cache:Encryption</c>, which <c>Cache:Lmdb:Encryption</c>
    /// overrides), then <paramref name="configure"/> runs; they are validated at start-up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets options after binding, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Needs the native LMDB library: the one bundled with LightningDB (glibc 2.38+) or the system's <c>liblmdb.so.0</c> (Debian/Ubuntu package <c>liblmdb0</c>).</remarks>
    public static IDataPlaneResilienceBuilder UseLmdbCache(this IDataPlaneResilienceBuilder builder, Action<LmdbConfigCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigureOptions(builder, configure);
        return builder.UseCache<LmdbConfigCache>();
    }

    /// <summary>
    /// For a node that used the LMDB cache and now uses another (the <c>config.json.gz</c> file, or a cache of your own):
    /// at start-up, when the configured cache holds nothing usable, reads <c>dbless.lmdb</c> read-only (no lock file,
    /// never written, moved or truncated), serves its configuration after the usual checks and writes it to the
    /// configured cache (event 2010). Options bind as for <see cref="UseLmdbCache"/> (path, encryption, native library).
    /// Harmless with <see cref="UseLmdbCache"/>: the chain never reads the configured cache twice.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets options after binding, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder MigrateFromLmdbCache(this IDataPlaneResilienceBuilder builder, Action<LmdbConfigCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigureOptions(builder, configure);
        if (!builder.Services.Any(d => d.ServiceType == typeof(LmdbMigrationMarker)))
        {
            builder.Services.AddSingleton<LmdbMigrationMarker>();
            builder.AddPreviousCache(sp => LmdbConfigCache.Reader(
                sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value,
                sp.GetRequiredService<IOptions<LmdbConfigCacheOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LmdbConfigCache>>()));
        }

        return builder;
    }

    /// <summary>Binds the options once (<c>Cache:Encryption</c>, then <c>Cache:Lmdb</c>), validates them at start-up, then applies <paramref name="configure"/>.</summary>
    private static void ConfigureOptions(IDataPlaneResilienceBuilder builder, Action<LmdbConfigCacheOptions>? configure)
    {
        var services = builder.Services;
        var options = services.AddOptions<LmdbConfigCacheOptions>();
        if (!services.Any(d => d.ServiceType == typeof(LmdbCacheMarker)))
        {
            services.AddSingleton<LmdbCacheMarker>();
            if (builder.Configuration is { } section)
            {
                // Cache:Encryption (shared with the file cache) first, then Cache:Lmdb, which may override it.
                options.Configure(o => section.GetSection(LmdbConfigCacheDefaults.SharedEncryptionSection).Bind(o.Encryption));
                options.Bind(section.GetSection(LmdbConfigCacheDefaults.Section));
            }

            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LmdbConfigCacheOptions>, LmdbConfigCacheOptionsValidator>());
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    /// <summary>Marks the LMDB reader's registration as done, so a second call adds no second reader.</summary>
    private sealed class LmdbMigrationMarker;

    /// <summary>Marks the LMDB cache's shared registrations as done, so a second call adds nothing twice.</summary>
    private sealed class LmdbCacheMarker;
}
