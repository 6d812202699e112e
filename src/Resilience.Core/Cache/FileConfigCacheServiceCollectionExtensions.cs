using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The default cache's registrations (the <c>config.json.gz</c> file); <c>UseCache&lt;T&gt;</c> replaces it.</summary>
internal static class FileConfigCacheServiceCollectionExtensions
{
    /// <summary>The sub-section of the chain's section that binds <see cref="FileConfigCacheOptions"/>.</summary>
    public const string SectionName = "Cache";

    /// <summary>Binds the <c>Cache</c> section (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureFileConfigCache(this IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<FileConfigCacheOptions>();
        if (section is not null)
        {
            options.Bind(section.GetSection(SectionName));
        }

        options.ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The file cache, and the same file as a previous cache: a node switched to another kind (LMDB) reads the
    /// <c>config.json.gz</c> it left (the chain skips it while the file cache is the configured one).
    /// </summary>
    public static IServiceCollection AddFileConfigCache(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileConfigCacheOptions>, FileConfigCacheOptionsValidator>());
        services.TryAddSingleton<IConfigCache, FileConfigCache>();
        services.AddSingleton(sp => new PreviousConfigCache(FileConfigCache.Reader(
            sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value,
            sp.GetRequiredService<IOptions<FileConfigCacheOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileConfigCache>>())));
        return services;
    }
}
