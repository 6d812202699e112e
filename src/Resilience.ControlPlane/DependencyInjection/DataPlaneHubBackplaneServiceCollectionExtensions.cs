using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience.ControlPlane;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Connects control-plane replicas through a backplane (see <see cref="IControlPlaneBackplane"/>).</summary>
public static class DataPlaneHubBackplaneServiceCollectionExtensions
{
    /// <summary>
    /// Makes this control plane one replica of several: publishes go through <typeparamref name="TBackplane"/> (a
    /// publish fails with <see cref="ControlPlaneBackplaneException"/> when it cannot be reached), the replica serves
    /// the fleet's latest configuration from start-up on, and <see cref="IDataPlaneRegistry"/> answers for the fleet.
    /// Backplane packages (for example <c>AddDataPlaneHubRedisBackplane</c>) call this. Harmless when called twice; each
    /// call adds its <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TBackplane">The backplane, registered as a singleton.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the replica id and timings, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHubBackplane<TBackplane>(this IServiceCollection services, Action<ControlPlaneBackplaneOptions>? configure = null)
        where TBackplane : class, IControlPlaneBackplane
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddDataPlaneHub(configure: null);
        var options = services.AddOptions<ControlPlaneBackplaneOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(BackplaneMarker)))
        {
            return services;
        }

        services.AddSingleton<BackplaneMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ControlPlaneBackplaneOptions>, ControlPlaneBackplaneOptionsValidator>());
        services.TryAddSingleton<IControlPlaneBackplane, TBackplane>();
        services.TryAddSingleton(sp => new BackplaneMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<ReplicaIdentity>();
        services.TryAddSingleton<FleetDataPlaneRegistry>();
        services.Replace(ServiceDescriptor.Singleton<IDataPlaneRegistry>(sp => sp.GetRequiredService<FleetDataPlaneRegistry>()));

        // Rollouts live in the backplane when it can hold them, so every replica sees and can drive the one rollout.
        services.Replace(ServiceDescriptor.Singleton<IRolloutStore>(sp => sp.GetRequiredService<IControlPlaneBackplane>() is IControlPlaneRolloutBackplane rollouts
            ? new BackplaneRolloutStore(rollouts, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BackplaneRolloutStore>>())
            : new LocalRolloutStore(supportsRollouts: false)));
        services.TryAddSingleton<BackplaneReplicaService>();
        services.AddHostedService(sp => sp.GetRequiredService<BackplaneReplicaService>());
        return services;
    }

    /// <summary>Marks the backplane's registrations as done.</summary>
    private sealed class BackplaneMarker;
}
