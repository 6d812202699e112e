using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// Exports validated configurations to the fallback store when this node is the elected exporter, taking part in
/// the exporter election under <c>&lt;prefix&gt;/&lt;version&gt;/election/</c>. Usable on either plane: a data plane
/// with <see cref="FallbackStoreOptions.Export"/> on runs one over its served configuration; a control plane creates
/// one per data-plane version, calls <see cref="Offer"/> with every configuration it publishes, runs
/// <see cref="RunAsync"/> while it runs and <see cref="ResignAsync"/> on a graceful stop.
/// </summary>
/// <remarks>
/// <para>Every <see cref="FallbackStoreOptions.ElectionInterval"/> the node rewrites
/// <c>&lt;version&gt;/election/&lt;node id&gt;</c>, lists the registrations and applies <see cref="ExporterElection"/>:
/// the lead is held by a claim (a term in the registration). The incumbent keeps it while its registration is
/// fresh; when no fresh claim exists, the candidate (first registered, and registered for one interval itself)
/// claims with a higher term than any in the store, and acts on its claim only once the claim has stood for the
/// grace and a later listing still shows it winning. A node whose registration may have gone stale (a freeze, a
/// store outage) confirms its claim the same way before it exports again.</para>
/// <para>A round is bounded by <see cref="FallbackStoreOptions.ElectionGrace"/>: the registration, the listing,
/// the hash check and the upload all happen inside one round, and a round that overruns the grace gives up
/// the lead for that round (a stalled call that returns late never leads to an upload). Before it uploads,
/// the leader reads the stored configuration and skips the upload when the store already holds that hash; on
/// an <see cref="IConditionalFallbackStore"/> it writes only if the object is still the version it read.</para>
/// <para>The leader uploads the latest offered configuration to <c>&lt;version&gt;/config.json</c> once it has
/// been stable for <see cref="FallbackStoreOptions.ExportDelay"/> (each new offer restarts the wait).</para>
/// <para>This type is the loop; the roles live beside it: the election round (<c>ElectionRound</c>, bounded by
/// <c>RoundDeadline</c>), the export debounce (<c>ExportDebounce</c>) and the leader's upload step (<c>ConfigUpload</c>).</para>
/// </remarks>
public sealed class FallbackConfigExporter : IDisposable
{
    private readonly IFallbackStore _store;
    private readonly FallbackConfigExporterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ExportMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly Func<ExportCandidate?>? _candidateSource;
    private readonly ExportDebounce _debounce;
    private readonly ElectionRound _round;
    private TaskCompletionSource _wake = NewSignal();

    /// <summary>Creates an exporter.</summary>
    /// <param name="store">The fallback store (from an <see cref="IFallbackStoreFactory"/>, or your own).</param>
    /// <param name="options">Who this exporter is in the election, its timings and its meter.</param>
    /// <param name="timeProvider">The clock for rounds and the debounce.</param>
    /// <param name="logger">The logger (event ids 3100-3199).</param>
    /// <param name="meterFactory">Creates the exporter's meter; <see langword="null"/> for a meter of its own, disposed with the exporter.</param>
    /// <exception cref="OptionsValidationException">The options are invalid, or the grace is shorter than the store's retry budget (<see cref="IRetryingFallbackStore"/>).</exception>
    public FallbackConfigExporter(IFallbackStore store, FallbackConfigExporterOptions options, TimeProvider timeProvider, ILogger logger, IMeterFactory? meterFactory = null)
        : this(store, Validated(options), timeProvider, logger, new ExportMetrics(meterFactory, options.MeterName, null), candidateSource: null)
    {
        _ownsMetrics = true;
    }

    /// <summary>Creates an exporter that shares its instruments (the data plane's) and may pull its candidate.</summary>
    /// <param name="store">The fallback store.</param>
    /// <param name="options">Identity and timings (already validated).</param>
    /// <param name="timeProvider">The clock for rounds and the debounce.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="metrics">The instruments; the caller owns them.</param>
    /// <param name="candidateSource">Optional pull source of the configuration to export, read on every round and every <see cref="Wake"/>.</param>
    /// <exception cref="OptionsValidationException">The grace is shorter than the store's retry budget (<see cref="IRetryingFallbackStore"/>).</exception>
    internal FallbackConfigExporter(
        IFallbackStore store,
        FallbackConfigExporterOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        ExportMetrics metrics,
        Func<ExportCandidate?>? candidateSource)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeId);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeVersion);
        ElectionGraceCheck.ThrowIfShorterThanRetryBudget(store, options.ElectionGrace);
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _candidateSource = candidateSource;
        _debounce = new ExportDebounce(timeProvider, options.ExportDelay);
        var upload = new ConfigUpload(store, options.NodeId, options.NodeVersion, options.MaxConfigBytes, options.ElectionInterval, timeProvider, logger, metrics, _debounce);
        _round = new ElectionRound(store, options, timeProvider, logger, metrics, upload);
    }

    /// <summary>Gets a value indicating whether this node is the active exporter (as of its last round).</summary>
    public bool IsLeader => _round.IsLeader;

    /// <summary>Offers a validated configuration for export (the latest offer wins); the leader uploads it once it has been stable for the export delay.</summary>
    /// <param name="json">The configuration as UTF-8 JSON, exactly as the data planes serve it (its SHA-256 is the configuration hash); it must not change after the call.</param>
    /// <param name="signature">The control plane's signature of <paramref name="json"/> (<see cref="ConfigSignature"/>), when configurations are signed; exported so importers can check it.</param>
    public void Offer(ReadOnlyMemory<byte> json, string? signature = null)
    {
        _debounce.Offer(new ExportCandidate(json, ConfigHash.Compute(json.Span), signature));
        Wake();
    }

    /// <summary>Makes the loop re-read its candidate source now.</summary>
    internal void Wake() => Interlocked.Exchange(ref _wake, NewSignal()).TrySetResult();

    /// <summary>Disposes the instruments this exporter created (a meter of its own when no meter factory was given).</summary>
    public void Dispose()
    {
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }
    }

    /// <summary>Runs the election and export loop until cancelled. Store failures never end it.</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>A task that completes (cancelled) when the loop stops.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.ExporterStarted(_logger, _store.Description, _options.NodeVersion!, _options.NodeId!, _options.ElectionInterval, _options.ElectionGrace, _options.ExportDelay);
        _round.Begin();
        var nextRound = _timeProvider.GetUtcNow();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var wake = Volatile.Read(ref _wake);
                if (_candidateSource?.Invoke() is { } pulled)
                {
                    _debounce.Offer(pulled);
                }

                // An export is never made on an earlier round's result: when one is due, a fresh round decides and uploads.
                var exportDue = _round.IsLeader ? _debounce.DueAt() : null;
                var now = _timeProvider.GetUtcNow();
                if (now >= nextRound || exportDue <= now)
                {
                    nextRound = await _round.RunAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var due = exportDue is { } d && d < nextRound ? d : nextRound;
                await IdleAsync(due - now, wake.Task, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _round.End();
        }
    }

    /// <summary>Withdraws this node's registration so another exporter takes over at its next round (best effort, on a graceful stop).</summary>
    /// <param name="cancellationToken">Bounds the delete.</param>
    /// <returns>A task that completes when the registration is gone or the delete failed.</returns>
    public Task ResignAsync(CancellationToken cancellationToken) => _round.ResignAsync(cancellationToken);

    private static FallbackConfigExporterOptions Validated(FallbackConfigExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new FallbackConfigExporterOptionsValidator().Validate(Options.DefaultName, options);
        return result.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(FallbackConfigExporterOptions), result.Failures) : options;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits until the next round or upload is due, or a wake; the wait is one timer of the injected clock that completes a signal.</summary>
    private async Task IdleAsync(TimeSpan delay, Task wake, CancellationToken cancellationToken)
    {
        var elapsed = NewSignal();
        using var timer = _timeProvider.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), elapsed, delay, Timeout.InfiniteTimeSpan);
        await Task.WhenAny(elapsed.Task, wake).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
