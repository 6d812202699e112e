using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience;
using Resilience.ControlPlane;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets a control plane export what it publishes to the fallback store.</summary>
public static class ControlPlaneExportServiceCollectionExtensions
{
    /// <summary>
    /// Exports every published configuration to the fallback store for the given data-plane versions,
    /// taking part in the same leader election as backup data-plane nodes. <c>file:///dir</c> works out
    /// of the box; call <c>UseS3FallbackStore()</c> or <c>UseGcsFallbackStore()</c> on the returned builder for the clouds.
    /// </summary>
    /// <param name="services">The services (with <c>AddDataPlaneHub</c>).</param>
    /// <param name="configure">Sets the storage URI, versions and timings.</param>
    /// <returns>A builder on which the store packages' <c>Use...FallbackStore()</c> methods register their stores.</returns>
    public static IControlPlaneExportBuilder AddDataPlaneHubExport(this IServiceCollection services, Action<ControlPlaneExportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddDataPlaneHub(configure: null);
        services.AddOptions<ControlPlaneExportOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ControlPlaneExportOptions>, ControlPlaneExportOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IFallbackStoreFactory, FileFallbackStoreFactory>());
        services.TryAddSingleton<ControlPlaneExportService>();
        services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneExportService>());
        return new ControlPlaneExportBuilder(services);
    }

    private sealed class ControlPlaneExportBuilder(IServiceCollection services) : IControlPlaneExportBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
