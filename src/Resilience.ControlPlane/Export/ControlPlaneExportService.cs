using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>
/// Runs one fallback-store exporter per data-plane version and offers it every configuration the
/// control plane publishes (and the latest one at start).
/// </summary>
internal sealed class ControlPlaneExportService : IHostedService, IDisposable
{
    private const string MeterName = ControlPlaneTelemetry.MeterName;
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
        var store = FallbackStoreResolver.Create(_factories, new Uri(_options.Storage!, UriKind.Absolute));
        var storeOptions = new FallbackStoreOptions
        {
            Storage = _options.Storage,
            Export = true,
            ExportDelay = _options.ExportDelay,
            ElectionInterval = _options.ElectionInterval,
            ElectionGrace = _options.ElectionGrace,
        };
        var nodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? $"control-plane-{Environment.MachineName}" : _options.NodeId!;
        var logger = _loggerFactory.CreateLogger<FallbackConfigExporter>();
        foreach (var version in _options.NodeVersions.Distinct(StringComparer.Ordinal))
        {
            var exporter = new FallbackConfigExporter(store, nodeId, Environment.MachineName, version, storeOptions, _options.MaxConfigBytes, _timeProvider, logger, new ExportMetrics(_meterFactory, MeterName, null));
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

    public void Dispose() => _stopping.Dispose();

    private void Offer(PublishedConfig published)
    {
        // The published message is the wire form (header + gzip); the store gets the plain JSON.
        var (header, payload) = LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, published.Message, published.Message.Length));
        var json = BoundedGzip.Decompress(payload, header.Size ?? _options.MaxConfigBytes);
        foreach (var (exporter, _) in _exporters)
        {
            exporter.Offer(json, published.Hash, published.Signature);
        }
    }
}
