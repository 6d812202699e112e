using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// The data plane's exporter (<see cref="FallbackStoreOptions.Export"/> on): feeds the served snapshot to a
/// <see cref="FallbackConfigExporter"/> and runs its election loop while the host runs. Only configurations
/// the control plane delivered are exported (pushed ones, or a cached one the control plane confirmed):
/// a node serving its YAML file or an operator's manual apply never overwrites the shared store.
/// </summary>
internal sealed class ConfigExportService : IHostedService, IDisposable
{
    private readonly IDataPlane _dataPlane;
    private readonly FallbackConfigExporter? _exporter;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private Task? _watch;

    /// <summary>Creates the service.</summary>
    /// <param name="dataPlane">The served configuration.</param>
    /// <param name="createExporter">Builds the exporter around a candidate source; <see langword="null"/> when export is off (the service does nothing).</param>
    /// <param name="logger">The logger.</param>
    public ConfigExportService(IDataPlane dataPlane, Func<Func<ExportCandidate?>, FallbackConfigExporter>? createExporter, ILogger<ConfigExportService> logger)
    {
        _dataPlane = dataPlane;
        _exporter = createExporter?.Invoke(CurrentCandidate);
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_exporter is null)
        {
            return Task.CompletedTask;
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = new[] { _loop, _watch }.Where(t => t is not null).Cast<Task>();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_exporter is not null)
        {
            await _exporter.ResignAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Whether a served snapshot came from the control plane (directly, or cached and since confirmed by it) and is the
    /// fleet's stable configuration: a staged rollout's candidate is never exported until the control plane names it
    /// stable, so a node booted from the store never starts on a configuration only part of the fleet was trying.
    /// </summary>
    internal static bool IsExportable(ConfigSnapshot snapshot, DataPlaneState state) =>
        (TierRules.IsExported(snapshot.Origin) || (snapshot.Origin == ConfigOrigin.Cache && TierRules.IsExported(state.ServingTier)))
        && state.RolloutCandidateHash != snapshot.Hash
        && (snapshot.RolloutId is null || snapshot.Hash == state.ControlPlaneStableHash);

    private ExportCandidate? CurrentCandidate()
    {
        var state = _dataPlane.State;
        return _dataPlane.Current is { } snapshot && IsExportable(snapshot, state) ? new ExportCandidate(snapshot.Payload, snapshot.Hash, snapshot.Signature) : null;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await _exporter!.RunAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Exporting is a side job: a bug here must not take the serving node down.
            Log.ExporterCrashed(_logger, ex);
        }
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        ConfigSnapshot? known = null;

        // A candidate the control plane names stable changes the state, not the snapshot.
        using var stateChanges = ChangeToken.OnChange(_dataPlane.GetStateChangeToken, _exporter!.Wake);
        try
        {
            while (true)
            {
                known = await _dataPlane.WaitForChangeAsync(known, stopping).ConfigureAwait(false);
                _exporter!.Wake();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
