using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resilience.ControlPlane;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the control-plane side of the link: the hub data planes connect to, the publisher and the registry.</summary>
public static class DataPlaneHubServiceCollectionExtensions
{
    /// <summary>Adds the hub with default options (see <see cref="AddDataPlaneHub(IServiceCollection, Action{DataPlaneHubOptions}?)"/>).</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHub(this IServiceCollection services) => services.AddDataPlaneHub(configure: null);

    /// <summary>Adds the hub, binding its options from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section (for example <c>DataPlaneHub</c>).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHub(this IServiceCollection services, IConfiguration section) => services.AddDataPlaneHub(section, configure: null);

    /// <summary>Adds the hub, binding its options from a configuration section (and <see cref="RolloutOptions"/> from its <c>Rollouts</c> subsection).</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The section (for example <c>DataPlaneHub</c>).</param>
    /// <param name="configure">Sets options after binding, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHub(this IServiceCollection services, IConfiguration section, Action<DataPlaneHubOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<DataPlaneHubOptions>().Bind(section);
        services.AddOptions<RolloutOptions>().Bind(section.GetSection("Rollouts"));
        return services.AddDataPlaneHub(configure);
    }

    /// <summary>
    /// Adds the hub: <see cref="IConfigPublisher"/>, <see cref="IConfigRollouts"/> (staged rollouts, <see cref="RolloutOptions"/>),
    /// <see cref="IDataPlaneRegistry"/>, <see cref="IDataPlaneHub"/> (commands to one node) and the client-certificate rules used by
    /// <c>RequireDataPlaneClientCertificate</c>. Map the endpoint with <c>MapDataPlaneHub</c>. Harmless when called twice.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneHub(this IServiceCollection services, Action<DataPlaneHubOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DataPlaneHubOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(HubMarker)))
        {
            return services;
        }

        services.AddSingleton<HubMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneHubOptions>, DataPlaneHubOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneHubOptions>, DataPlaneHubCrossFieldValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConfigSigner>();
        services.AddOptions<RolloutOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RolloutOptions>, RolloutOptionsValidator>());
        services.TryAddSingleton<ConfigTargets>();
        services.TryAddSingleton<PrePublishValidation>();
        services.TryAddSingleton<RolloutNodeTracker>();
        services.TryAddSingleton<IRolloutStore, LocalRolloutStore>();
        services.TryAddSingleton(sp => new RolloutMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<RolloutCoordinator>();
        services.TryAddSingleton<IConfigRollouts>(sp => sp.GetRequiredService<RolloutCoordinator>());
        services.TryAddSingleton<RolloutDriver>();
        services.AddHostedService(sp => sp.GetRequiredService<RolloutDriver>());
        services.TryAddSingleton<ConfigDeltas>();
        services.TryAddSingleton<ConfigPublisher>();
        services.TryAddSingleton<IConfigPublisher>(sp => sp.GetRequiredService<ConfigPublisher>());
        services.TryAddSingleton<DataPlaneRegistry>();
        services.TryAddSingleton<IDataPlaneRegistry>(sp => sp.GetRequiredService<DataPlaneRegistry>());
        services.TryAddSingleton<DataPlaneCertificateValidator>();
        services.TryAddSingleton(sp => new ControlPlaneMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new DataPlaneAdmission(
            sp.GetRequiredService<IOptions<DataPlaneHubOptions>>().Value.Admission,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DataPlaneAdmission>>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<DataPlaneHub>();
        services.TryAddSingleton<IDataPlaneHub>(sp => sp.GetRequiredService<DataPlaneHub>());
        return services;
    }

    /// <summary>Adds a handler for the telemetry batches data planes send.</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneTelemetryHandler<THandler>(this IServiceCollection services)
        where THandler : class, IDataPlaneTelemetryHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDataPlaneTelemetryHandler, THandler>());
        return services;
    }

    /// <summary>Adds a sink for the usage records data planes send, parsed and with the sender's identity.</summary>
    /// <typeparam name="TSink">The sink type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDataPlaneUsageSink<TSink>(this IServiceCollection services)
        where TSink : class, IDataPlaneUsageSink
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDataPlaneUsageSink, TSink>());
        return services;
    }

    /// <summary>Marks the hub's registrations as done.</summary>
    private sealed class HubMarker;
}
