using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>The data plane's export registrations: backup nodes (<see cref="FallbackStoreOptions.Export"/> on) run the exporter election after the chain has started.</summary>
internal static class ConfigExportRegistration
{
    public static IServiceCollection AddConfigExport(this IServiceCollection services)
    {
        services.AddSingleton(sp => new ConfigExportService(
            sp.GetRequiredService<IDataPlane>(),
            CreateExporterFactory(sp),
            sp.GetRequiredService<ILogger<ConfigExportService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ConfigExportService>());
        return services;
    }

    private static Func<Func<ExportCandidate?>, FallbackConfigExporter>? CreateExporterFactory(IServiceProvider sp)
    {
        var storeOptions = sp.GetRequiredService<IOptions<FallbackStoreOptions>>().Value;
        if (!storeOptions.Export || sp.GetRequiredService<FallbackStoreResolver>().Store is not { } store)
        {
            return null;
        }

        var dataPlane = sp.GetRequiredService<DataPlane>();
        var node = dataPlane.Node;
        var options = new FallbackConfigExporterOptions
        {
            NodeId = node.NodeId,
            Hostname = node.Hostname,
            NodeVersion = node.Version,
            ExportDelay = storeOptions.ExportDelay,
            ElectionInterval = storeOptions.ElectionInterval,
            ElectionGrace = storeOptions.ElectionGrace,
            MaxConfigBytes = sp.GetRequiredService<IOptions<DataPlaneResilienceOptions>>().Value.MaxConfigBytes,
        };

        // On the data plane, store failures count on the chain's own counter (one resilience.fallback_store.failures instrument).
        var metrics = new ExportMetrics(sp.GetService<IMeterFactory>(), DataPlaneResilienceDefaults.MeterName, dataPlane.Metrics.RecordStoreFailure);
        return candidates => new FallbackConfigExporter(
            store,
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FallbackConfigExporter>>(),
            metrics,
            candidates);
    }
}
