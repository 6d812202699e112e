using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on the LMDB cache.</summary>
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

        return builder.UseCache<LmdbConfigCache>();
    }

    /// <summary>Marks the LMDB cache's shared registrations as done, so a second call adds nothing twice.</summary>
    private sealed class LmdbCacheMarker;
}
