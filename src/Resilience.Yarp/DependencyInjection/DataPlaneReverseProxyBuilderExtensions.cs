using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Resilience.Yarp;
using Yarp.ReverseProxy.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Feeds YARP from the Resilience data plane.</summary>
public static class DataPlaneReverseProxyBuilderExtensions
{
    /// <summary>
    /// YARP routes with the data plane's served configuration: YARP's own <c>"ReverseProxy"</c> JSON (<c>Routes</c>
    /// and <c>Clusters</c> keyed by id, as in appsettings), published by the control plane or loaded from any lower
    /// tier, read into the routes and clusters YARP's own <c>LoadFromConfig</c> would build from it. Adds the data
    /// plane's validator for it, which parses each configuration once, runs YARP's config filters
    /// (<c>AddConfigFilter</c>) and YARP's route and cluster validators on it, so that a configuration YARP would
    /// refuse is never served, and an <see cref="IProxyConfigProvider"/> that reloads YARP whenever the served
    /// snapshot changes. Add the chain itself with <c>AddDataPlaneResilience</c>. Validators compose: a gateway's own
    /// rules (<c>UseValidator</c>, before or after this call) run beside this one and all must pass; the first
    /// validator that returns a model provides the routes, so a validator of your own registered before this call
    /// should not return one.
    /// </summary>
    /// <param name="builder">YARP's builder from <c>AddReverseProxy()</c>.</param>
    /// <returns>The builder.</returns>
    public static IReverseProxyBuilder LoadFromDataPlane(this IReverseProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(ProxyConfigReuse)))
        {
            return builder;
        }

        services.AddSingleton<ProxyConfigReuse>();
        DecorateYarpValidator(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Resilience.IDataPlaneConfigValidator, ReverseProxyConfigValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new YarpMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(_ => new AppliedProxyRevision());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyConfigProvider, DataPlaneProxyConfigProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigChangeListener, ProxyConfigChangeListener>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, NothingServedMatcherPolicy>());
        return builder;
    }

    /// <summary>
    /// YARP's reload validates every route and cluster again; those our validator already passed through YARP's
    /// validators are skipped (<see cref="ValidatedOnceConfigValidator"/>).
    /// </summary>
    private static void DecorateYarpValidator(IServiceCollection services)
    {
        var index = services.Count - 1;
        while (index >= 0 && (services[index].ServiceType != typeof(IConfigValidator) || services[index].IsKeyedService))
        {
            index--;
        }

        if (index < 0)
        {
            return;
        }

        var yarp = services[index];
        services[index] = ServiceDescriptor.Singleton<IConfigValidator>(sp => new ValidatedOnceConfigValidator(Create(sp, yarp), sp.GetRequiredService<ProxyConfigReuse>()));

        static IConfigValidator Create(IServiceProvider sp, ServiceDescriptor descriptor) =>
            descriptor.ImplementationInstance as IConfigValidator
            ?? descriptor.ImplementationFactory?.Invoke(sp) as IConfigValidator
            ?? (IConfigValidator)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!);
    }
}
