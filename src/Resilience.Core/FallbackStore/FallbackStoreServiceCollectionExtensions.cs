using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The fallback store's registrations: its options, the <c>file://</c> factory and the resolver that picks the store.</summary>
internal static class FallbackStoreServiceCollectionExtensions
{
    /// <summary>The sub-section of the chain's section that binds <see cref="FallbackStoreOptions"/>.</summary>
    public const string SectionName = "FallbackStore";

    /// <summary>Binds the <c>FallbackStore</c> section, its switches read as <c>on</c>/<c>off</c> too (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureFallbackStore(this IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<FallbackStoreOptions>();
        if (section is not null)
        {
            options.Bind(FallbackStoreOptionsSwitches.View(section.GetSection(SectionName)));
        }

        options.ValidateOnStart();
        return services;
    }

    /// <param name="services">The services.</param>
    /// <param name="sectionPath">The chain's section path, which the environment check (event 1200) names in its warning.</param>
    public static IServiceCollection AddFallbackStore(this IServiceCollection services, string? sectionPath)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FallbackStoreOptions>, FallbackStoreOptionsValidator>(static sp => new FallbackStoreOptionsValidator(sp)));
        services.AddSingleton<IPostConfigureOptions<FallbackStoreOptions>>(sp => new FallbackStoreOptionsEnvironmentCheck(sectionPath, sp.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, FileFallbackStoreFactory>());
        services.TryAddSingleton(FallbackStoreResolver.Resolve);
        return services;
    }
}
