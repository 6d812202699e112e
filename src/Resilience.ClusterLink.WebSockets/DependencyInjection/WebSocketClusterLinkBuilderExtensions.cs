using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience;
using Resilience.ClusterLink.WebSockets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on the WebSocket link to the control plane (tier 1).</summary>
public static class WebSocketClusterLinkBuilderExtensions
{
    /// <summary>
    /// Uses the WebSocket link with mutual TLS. Options are bound from the <c>ClusterLink</c> sub-section of the
    /// section given to <c>AddDataPlaneResilience</c>, then <paramref name="configure"/> runs; they are validated at start-up.
    /// While connected, the link also sends the usage records of <see cref="IUsageRecorder"/> (the <c>Telemetry</c>
    /// options) and hands licences from the control plane to the node. Calling it twice only adds the second delegate.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the link's options after binding, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static IDataPlaneResilienceBuilder UseWebSocketClusterLink(this IDataPlaneResilienceBuilder builder, Action<ClusterLinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ClusterLinkOptions>().ValidateOnStart();
        var first = !services.Any(d => d.ServiceType == typeof(LinkMarker));
        if (first && builder.Configuration is { } section)
        {
            // Once: binding the section again would add its Endpoints a second time. Bound through the bindable copy:
            // the certificate objects are not configuration (see ClusterLinkBindableOptions).
            var linkSection = section.GetSection(ClusterLinkDefaults.SectionName);
            options.Configure(o =>
            {
                var bindable = ClusterLinkBindableOptions.From(o);
                linkSection.Bind(bindable);
                bindable.CopyTo(o);
            });
            services.AddSingleton<IOptionsChangeTokenSource<ClusterLinkOptions>>(new ConfigurationChangeTokenSource<ClusterLinkOptions>(Options.Options.DefaultName, linkSection));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!first)
        {
            return builder;
        }

        services.AddSingleton<LinkMarker>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterLinkOptions>, ClusterLinkOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterLinkOptions>, ClusterLinkCrossFieldValidator>());
        services.TryAddSingleton<IClusterLinkJitter, SharedRandomJitter>();
        services.TryAddSingleton(sp => new ClusterLinkMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new TelemetryFlusher(
            sp.GetRequiredService<IUsageDrain>(),
            sp.GetRequiredService<IOptions<TelemetryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TelemetryFlusher>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IClusterLinkConnector>(sp => new ClusterLinkConnector(
            sp.GetRequiredService<IOptions<ClusterLinkOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WebSocketClusterLink>>()));
        services.Replace(ServiceDescriptor.Singleton<IClusterLink>(sp => new WebSocketClusterLink(
            sp.GetRequiredService<IOptions<ClusterLinkOptions>>().Value,
            sp.GetRequiredService<IClusterLinkConnector>(),
            sp.GetRequiredService<IClusterLinkJitter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WebSocketClusterLink>>(),
            sp.GetRequiredService<ClusterLinkMetrics>(),
            sp.GetService<TelemetryFlusher>(),
            sp.GetService<ILicenseReceiver>(),
            ConfigLimits.From(sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value))));
        return builder;
    }

    /// <summary>Marks the link's registrations as done.</summary>
    private sealed class LinkMarker;
}
