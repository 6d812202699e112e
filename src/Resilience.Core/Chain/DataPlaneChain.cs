using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Runs the fallback chain as a hosted service. Start-up serves the cache at once (before the
/// host finishes starting); otherwise it waits for the first control-plane attempt, then imports
/// from the fallback store, then loads the declarative sources. Afterwards the link runs forever
/// and the node never goes back down the chain on its own.
/// </summary>
internal sealed class DataPlaneChain : IHostedService, IDisposable
{
    private readonly DataPlane _dataPlane;
    private readonly IConfigCache? _cache;
    private readonly PreviousCacheTier _previous;
    private readonly IClusterLink? _link;
    private readonly FallbackImporter? _importer;
    private readonly IReadOnlyList<IConfigSource> _sources;
    private readonly DataPlaneResilienceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IHostApplicationLifetime? _lifetime;
    /// <summary>The LMDB cache's directory name (<c>Resilience.Cache.Lmdb</c>), only to point at a leftover this node does not read.</summary>
    private const string LmdbDirectoryName = "dbless.lmdb";
    private readonly CancellationTokenSource _stopping = new();
    private Task? _linkTask;
    private Task? _startupTask;
    private CancellationTokenSource? _startupTimeout;

    /// <summary>
    /// Created by the container, after the data plane: the cache and the link come guarded (<see cref="CacheTier"/>,
    /// <see cref="LinkTier"/>); the link may depend on the data plane (through the licence monitor), never the other way.
    /// The caches of other kinds (<see cref="PreviousCacheTier"/>) are read when the configured one holds nothing usable.
    /// The host's lifetime, when there is one, tells when the host has started (see <see cref="StartAsync"/>).
    /// </summary>
    public DataPlaneChain(
        DataPlane dataPlane,
        CacheTier cache,
        LinkTier link,
        PreviousCacheTier previous,
        FallbackImporter importer,
        IEnumerable<IConfigSource> sources,
        IOptions<DataPlaneResilienceOptions> options,
        TimeProvider timeProvider,
        ILogger<DataPlaneChain> logger,
        IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _dataPlane = dataPlane;
        _cache = cache.Cache;
        _link = link.Link;
        _previous = previous;
        _importer = importer.IsEnabled ? importer : null;
        _sources = sources.ToArray();
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets the start-up walk down the chain, for tests and the health check.</summary>
    internal Task Startup => _startupTask ?? Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolve (and persist) the node id now: a failure here is a start-up error, not a later surprise.
        _ = _dataPlane.Node;

        // The history is read beside the cache (both files read and decoded at once): the start-up apply waits for it
        // only at its swap, and a push from the control plane before anything else (DataPlane.ApplyAsync: its standing
        // rollbacks refuse a push). It is read before the start-up goes on either way.
        var history = Task.Run(() => _dataPlane.LoadHistoryAsync().AsTask(), CancellationToken.None);
        var servedFromCache = false;
        if (_cache is not null && await LoadCacheAsync(_cache, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            servedFromCache = (await _dataPlane.ApplyAsync(cached, cancellationToken).ConfigureAwait(false)).IsServing;
        }

        await history.ConfigureAwait(false);

        // The configured cache has nothing usable: what another kind of cache (or key) left is served and rewritten.
        servedFromCache = servedFromCache || await MigratePreviousCacheAsync(cancellationToken).ConfigureAwait(false);
        if (servedFromCache)
        {
            Log.StartupFromCache(_logger);
        }

        if (_link is not null)
        {
            _dataPlane.ReportState(new ClusterLinkState(ClusterLinkStatus.Connecting, _timeProvider.GetUtcNow()));

            // Serving from the cache, the node needs nothing from the control plane to answer: the link's first connect
            // (loading the client certificate, building its chain, which reads the machine's CA store, TLS) waits until
            // the host has started, so it does not take a core from the start-up and its first proxied request. The
            // cache is served meanwhile, as it would be while the connect is under way. Without a cache the control
            // plane is the start-up's source: the link starts at once. (A host that takes longer than the start-up timeout
            // to start gets its link then.)
            var hostStarted = servedFromCache && _lifetime is not null ? _lifetime.ApplicationStarted : CancellationToken.None;
            _linkTask = Task.Run(() => RunLinkAsync(hostStarted, _stopping.Token), CancellationToken.None);
        }

        if (servedFromCache)
        {
            _startupTask = FinishStartup();
            return;
        }

        // The start-up deadline counts from here, not from when the background walk gets a thread.
        _startupTimeout = new CancellationTokenSource(_options.StartupTimeout, _timeProvider);
        _startupTask = Task.Run(() => WalkDownAsync(_startupTimeout.Token, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = new[] { _linkTask, _startupTask }.Where(t => t is not null).Cast<Task>();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _startupTimeout?.Dispose();
    }

    private Task FinishStartup()
    {
        _dataPlane.MarkStartupCompleted();
        Log.StartupCompleted(_logger, _dataPlane.State.ServingTier);
        return Task.CompletedTask;
    }

    private async Task WalkDownAsync(CancellationToken timeout, CancellationToken stopping)
    {
        try
        {
            if (_link is not null && await WaitForControlPlaneAsync(timeout, stopping).ConfigureAwait(false))
            {
                await FinishStartup().ConfigureAwait(false);
                return;
            }

            if (_importer is not null && !_dataPlane.State.IsReady
                && await _importer.ImportAsync(_dataPlane.Node.Version, stopping).ConfigureAwait(false) is { } imported)
            {
                await _dataPlane.ApplyAsync(imported, stopping).ConfigureAwait(false);
            }

            foreach (var source in _sources)
            {
                if (_dataPlane.State.IsReady)
                {
                    break;
                }

                if (await LoadAsync(source, stopping).ConfigureAwait(false) is { } document)
                {
                    await _dataPlane.ApplyAsync(document, stopping).ConfigureAwait(false);
                }
            }

            if (!_dataPlane.State.IsReady)
            {
                Log.StartupNotReady(_logger);
            }

            await FinishStartup().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Each tier is guarded on its own; this is the last line, so start-up always completes and says so.
            Log.StartupWalkFailed(_logger, ex);
            await FinishStartup().ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the first control-plane configuration; false when the first attempt failed or the start-up timeout passed.</summary>
    private async Task<bool> WaitForControlPlaneAsync(CancellationToken timeout, CancellationToken stopping)
    {
        Log.StartupWaitingForControlPlane(_logger, _options.StartupTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout);
        try
        {
            await _dataPlane.WaitForStateAsync(
                s => s.IsReady || s.Link is { Status: ClusterLinkStatus.Disconnected, Attempts: > 0 },
                linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            Log.StartupControlPlaneUnavailable(_logger, $"no configuration within {_options.StartupTimeout}");
            return false;
        }

        if (_dataPlane.State.IsReady)
        {
            return true;
        }

        Log.StartupControlPlaneUnavailable(_logger, _dataPlane.State.Link.LastError ?? "first connection attempt failed");
        return false;
    }

    /// <summary>Loads a cache; a cache that throws or hangs (past the start-up timeout) is logged and skipped, never a failed host start.</summary>
    private async Task<ConfigDocument?> LoadCacheAsync(IConfigCache cache, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.LoadAsync(cancellationToken).AsTask().WaitAsync(_options.StartupTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CacheLoadFailed(_logger, Describe(() => cache.Description), ex);
            return null;
        }
    }

    /// <summary>
    /// Reads the previous caches in turn (never the configured one again) and applies the first usable entry, marked as
    /// migrated so the data plane writes it to the configured cache. The readers are released afterwards.
    /// </summary>
    private async Task<bool> MigratePreviousCacheAsync(CancellationToken cancellationToken)
    {
        var configured = _cache is null ? null : Describe(() => _cache.Description);
        var served = false;
        foreach (var previous in _previous.Caches)
        {
            try
            {
                var description = Describe(() => previous.Reader.Description);
                if (served || string.Equals(description, configured, StringComparison.Ordinal))
                {
                    continue;
                }

                if (await LoadCacheAsync(previous.Reader, cancellationToken).ConfigureAwait(false) is { } document)
                {
                    served = (await _dataPlane.ApplyAsync(MigratedFrom(document, description), cancellationToken).ConfigureAwait(false)).IsServing;
                }
            }
            finally
            {
                previous.Dispose();
            }
        }

        if (!served)
        {
            ReportLeftovers(configured);
        }

        return served;
    }

    /// <summary>The same entry, saying where it came from (and in what form, when its cache said so).</summary>
    private static ConfigDocument MigratedFrom(ConfigDocument document, string reader) =>
        new(document.Content, document.Format, document.Origin)
        {
            Version = document.Version,
            Timestamp = document.Timestamp,
            ExpectedHash = document.ExpectedHash,
            Signature = document.Signature,
            Source = document.Source ?? reader,
            MigratedFrom = document.MigratedFrom is { } form ? $"{reader} ({form})" : reader,
        };

    /// <summary>An LMDB directory left in the data directory that no reader covers: say how to read it, once.</summary>
    private void ReportLeftovers(string? configured)
    {
        var leftover = Path.GetFullPath(Path.Combine(_options.DataDirectory, LmdbDirectoryName));
        if (File.Exists(Path.Combine(leftover, "data.mdb")) && !string.Equals(leftover, configured, StringComparison.Ordinal)
            && !_previous.Caches.Any(p => string.Equals(Describe(() => p.Reader.Description), leftover, StringComparison.Ordinal)))
        {
            Log.CacheLeftoverNotRead(_logger, leftover, "add .MigrateFromLmdbCache() from Resilience.Cache.Lmdb to read it and move its configuration to the configured cache");
        }
    }

    /// <summary>Loads a declarative source; whatever it throws, or a hang past the start-up timeout, is logged and the walk moves on.</summary>
    private async Task<ConfigDocument?> LoadAsync(IConfigSource source, CancellationToken stopping)
    {
        var description = Describe(() => source.Description);
        try
        {
            var document = await source.LoadAsync(stopping).AsTask().WaitAsync(_options.StartupTimeout, _timeProvider, stopping).ConfigureAwait(false);
            if (document is null)
            {
                Log.DeclarativeMissing(_logger, description);
            }

            return document;
        }
        catch (ConfigSourceException ex)
        {
            Log.DeclarativeUnreadable(_logger, description, ex);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Log.SourceFailed(_logger, description, ex);
            return null;
        }
    }

    /// <summary>A custom tier's description, for logs; one that throws must not turn a logged failure into a crash.</summary>
    private static string Describe(Func<string> description)
    {
        try
        {
            return description();
        }
        catch (Exception ex)
        {
            return $"(description threw {ex.GetType().Name})";
        }
    }

    /// <summary>
    /// Waits until the host has started (its lifetime's event), at most the start-up timeout: a host whose start hangs on
    /// some other service still gets its link. Throws when <paramref name="stopping"/> comes first.
    /// </summary>
    private async Task WhenHostStartedAsync(CancellationToken hostStarted, CancellationToken stopping)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (hostStarted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), fired))
        {
            try
            {
                await fired.Task.WaitAsync(_options.StartupTimeout, _timeProvider, stopping).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private async Task RunLinkAsync(CancellationToken hostStarted, CancellationToken stopping)
    {
        try
        {
            if (hostStarted.CanBeCanceled)
            {
                await WhenHostStartedAsync(hostStarted, stopping).ConfigureAwait(false);
            }

            await _link!.RunAsync(_dataPlane, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A link bug must not take the node down: it keeps serving what it has.
            Log.LinkCrashed(_logger, ex);
            _dataPlane.ReportState(new ClusterLinkState(ClusterLinkStatus.Disconnected, _timeProvider.GetUtcNow(), 1, ex.Message));
        }
    }
}
