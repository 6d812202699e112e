using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The bake's registrations: its options (<c>Bake</c>) and the hosted service, which does nothing unless enabled.</summary>
internal static class BakeServiceCollectionExtensions
{
    /// <summary>Binds the <c>Bake</c> section (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureBake(this IServiceCollection services, IConfiguration? section)
    {
        var options = services.AddOptions<BakeOptions>();
        if (section is not null)
        {
            options.Bind(section.GetSection(BakeDefaults.SectionName));
        }

        options.ValidateOnStart();
        return services;
    }

    public static IServiceCollection AddBake(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BakeOptions>, BakeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BakeOptions>, BakeCrossFieldValidator>());
        services.TryAddSingleton<ConfigBake>();
        services.AddHostedService(sp => sp.GetRequiredService<ConfigBake>());
        return services;
    }
}
