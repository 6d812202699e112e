using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Resilience;

/// <summary>
/// The pipeline's and the chain's registrations, every one built by the container from its constructor: the
/// preparer, the guarded tiers, the data plane (also as <see cref="IDataPlane"/>), the importer and the chain,
/// which runs as a hosted service.
/// </summary>
internal static class ChainServiceCollectionExtensions
{
    public static IServiceCollection AddChain(this IServiceCollection services)
    {
        services.TryAddSingleton<ConfigValidators>();
        services.TryAddSingleton<ConfigPreparer>();
        services.TryAddSingleton<CacheTier>();
        services.TryAddSingleton<LinkTier>();
        services.TryAddSingleton<PreviousCacheTier>();
        services.TryAddSingleton<DataPlane>();
        services.TryAddSingleton<IDataPlane>(sp => sp.GetRequiredService<DataPlane>());
        services.TryAddSingleton<FallbackImporter>();
        services.TryAddSingleton<DataPlaneChain>();
        services.AddHostedService(sp => sp.GetRequiredService<DataPlaneChain>());
        return services;
    }
}
