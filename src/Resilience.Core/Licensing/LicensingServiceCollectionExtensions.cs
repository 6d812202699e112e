using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The licensing piece's registrations: the chain does not depend on it, it acts on the chain through <see cref="ILicensedServing"/>.</summary>
internal static class LicensingServiceCollectionExtensions
{
    /// <summary>
    /// The licence monitor: <see cref="ILicenseReceiver"/> for a link, and a hosted service that loads the stored licence
    /// before any hosted service starts (so before the chain serves its cache).
    /// </summary>
    public static IServiceCollection AddLicensing(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new LicenseMonitor(
            sp.GetRequiredService<DataPlane>(),
            sp.GetRequiredService<ConfigSignatureCheck>(),
            sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value.DataDirectory,
            sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value.StopServingOnLicenseExpiry,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LicenseMonitor>>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<LocalWriteStatus>()));
        services.TryAddSingleton<ILicenseReceiver>(sp => sp.GetRequiredService<LicenseMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<LicenseMonitor>());
        return services;
    }
}
