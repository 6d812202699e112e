using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience.ControlPlane;

/// <summary>
/// Runs one fallback-store exporter per data-plane version and offers it every configuration the
/// control plane publishes (and the latest one at start).
/// </summary>
internal sealed class ControlPlaneExportService : IHostedService, IDisposable
{
    private readonly ConfigPublisher _publisher;
    private readonly ControlPlaneExportOptions _options;
    private readonly IEnumerable<IFallbackStoreFactory> _factories;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IMeterFactory? _meterFactory;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(FallbackConfigExporter Exporter, Task Run)> _exporters = [];

    public ControlPlaneExportService(
        ConfigPublisher publisher,
        IOptions<ControlPlaneExportOptions> options,
        IEnumerable<IFallbackStoreFactory> factories,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory = null)
    {
        _publisher = publisher;
        _options = options.Value;
        _factories = factories;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _meterFactory = meterFactory;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var store = CreateStore(new Uri(_options.Storage!, UriKind.Absolute));
        var nodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? $"control-plane-{Environment.MachineName}" : _options.NodeId!;
        var logger = _loggerFactory.CreateLogger<FallbackConfigExporter>();
        foreach (var version in _options.NodeVersions.Distinct(StringComparer.Ordinal))
        {
            var exporter = new FallbackConfigExporter(
                store,
                new FallbackConfigExporterOptions
                {
                    NodeId = nodeId,
                    NodeVersion = version,
                    ExportDelay = _options.ExportDelay,
                    ElectionInterval = _options.ElectionInterval,
                    ElectionGrace = _options.ElectionGrace,
                    MaxConfigBytes = _options.MaxConfigBytes,
                    MeterName = ControlPlaneTelemetry.MeterName,
                },
                _timeProvider,
                logger,
                _meterFactory);
            _exporters.Add((exporter, Task.Run(() => exporter.RunAsync(_stopping.Token), CancellationToken.None)));
        }

        _publisher.Published += Offer;
        if (_publisher.Latest is { } latest)
        {
            Offer(latest);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _publisher.Published -= Offer;
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var (exporter, run) in _exporters)
        {
            try
            {
                await run.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            // A clean stop hands the export over at the next round instead of after interval + grace.
            await exporter.ResignAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var (exporter, _) in _exporters)
        {
            exporter.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>The store named by the storage URI, from the factory registered for its scheme (the last one wins, as on the data plane).</summary>
    /// <exception cref="InvalidOperationException">No factory handles the scheme.</exception>
    private IFallbackStore CreateStore(Uri storage)
    {
        var factory = _factories.LastOrDefault(f => string.Equals(f.Scheme, storage.Scheme, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(
                $"No fallback store handles '{storage.Scheme}://'. Add its package and call its Use...FallbackStore() method (s3: Resilience.Storage.S3, gcs or gs: Resilience.Storage.Gcs, azure: Resilience.Storage.Azure).");
        return factory.Create(storage);
    }

    private void Offer(PublishedConfig published)
    {
        // The store gets the plain JSON the data planes serve (the hash covers it), not the gzip wire form.
        foreach (var (exporter, _) in _exporters)
        {
            exporter.Offer(published.Json, published.Signature);
        }
    }
}
