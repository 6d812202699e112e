using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The node's registrations: its options (the section's top level), the clock and its identity.</summary>
internal static class NodeServiceCollectionExtensions
{
    /// <summary>Binds <see cref="DataPlaneResilienceOptions"/> from the chain's section, then applies the delegate (every call of <c>AddDataPlaneResilience</c>).</summary>
    public static IServiceCollection ConfigureNode(this IServiceCollection services, IConfiguration? section, Action<DataPlaneResilienceOptions> configure)
    {
        var options = services.AddOptions<DataPlaneResilienceOptions>();
        if (section is not null)
        {
            options.Bind(section);
        }

        options.Configure(configure).ValidateOnStart();
        return services;
    }

    /// <summary>Adds the options' validators, <see cref="TimeProvider.System"/> (unless the host gave one), the status of the node's local writes and the identity.</summary>
    public static IServiceCollection AddNode(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneResilienceOptions>, DataPlaneResilienceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneResilienceOptions>, DataPlaneResilienceCrossFieldValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LocalWriteStatus>();
        services.TryAddSingleton<NodeIdentityProvider>();
        return services;
    }
}
