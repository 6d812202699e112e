using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// Bakes every configuration the control plane pushes (<see cref="BakeOptions"/>): every second it samples the node's
/// request counters and, while a bake runs, judges the last <see cref="BakeOptions.DetectionWindow"/>: the failed share
/// against the share before the apply, the tagged health checks, the host's probes. A failed signal serves the
/// configuration before it again (<see cref="DataPlane.RevertAsync"/>: at most once per hash, never a rollback or an
/// operator's apply); the end of the window passes it, or says it could not decide. Everything runs on the injected clock.
/// </summary>
internal sealed class ConfigBake : IHostedService, IDisposable
{
    private readonly DataPlane _dataPlane;
    private readonly IRequestOutcomes? _outcomes;
    private readonly HealthCheckService? _healthChecks;
    private readonly IConfigHealthProbe[] _probes;
    private readonly BakeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Counter<long>? _verdicts;
    private readonly Meter? _ownedMeter;
    private readonly object _gate = new();
    private readonly Queue<Sample> _samples = new();
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private IDisposable? _watch;
    private Bake? _bake;
    private ConfigSnapshot? _seen;
    private long _seenAt;
    private TimeSpan _interval = BakeDefaults.EvaluationInterval;
    private string? _revertedTo;
    private int _evaluating;

    public ConfigBake(
        DataPlane dataPlane,
        IOptions<BakeOptions> options,
        IEnumerable<IConfigHealthProbe> probes,
        TimeProvider timeProvider,
        ILogger<ConfigBake> logger,
        HealthCheckService? healthChecks = null,
        IMeterFactory? meterFactory = null)
    {
        _dataPlane = dataPlane;
        _outcomes = dataPlane.Outcomes;
        _healthChecks = healthChecks;
        _probes = probes.ToArray();
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        if (_options.Enabled)
        {
            var meter = meterFactory?.Create(DataPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(DataPlaneTelemetry.MeterName));
            _verdicts = meter.CreateCounter<long>("resilience.config.bake.verdicts", "{bake}", "Bakes ended, by verdict (passed, undecided, reverted, failed).");
        }
    }

    /// <summary>Gets a value indicating whether an evaluation (health checks, probes, a revert) is running: tests on a fake clock wait for it.</summary>
    internal bool IsEvaluating => Volatile.Read(ref _evaluating) == 1;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            _seenAt = _timeProvider.GetTimestamp();
            TakeSample(_seenAt);
            _seen = _dataPlane.Served;
        }

        // The timer first: a configuration served from now on may set its interval.
        _timer = _timeProvider.CreateTimer(static s => ((ConfigBake)s!).Tick(), this, BakeDefaults.EvaluationInterval, BakeDefaults.EvaluationInterval);
        _watch = ChangeToken.OnChange(_dataPlane.GetChangeToken, OnServedChanged);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _timer?.Dispose();
        _watch?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _watch?.Dispose();
        _stopping.Dispose();
        _ownedMeter?.Dispose();
    }

    /// <summary>A new configuration is served: bake it when the control plane pushed it; keep the verdict of our own revert.</summary>
    internal void OnServedChanged()
    {
        var served = _dataPlane.Served;
        var now = _timeProvider.GetTimestamp();
        ConfigBakeState? state = null;
        lock (_gate)
        {
            if (served is null || ReferenceEquals(served, _seen))
            {
                return;
            }

            // The share before the apply is the configuration served until now: not one this node went back from.
            var servedFrom = _seenAt;
            _seen = served;
            _seenAt = now;
            var counts = Now();
            if (TierRules.IsRevertible(served.Origin))
            {
                var baseline = Share(BaselineFrom(now - Ticks(_options.DetectionWindow), servedFrom), counts);
                var settings = SettingsFor(served);
                _bake = new Bake(served, now, counts, baseline, settings);
                SetInterval(settings.Interval);
                state = new ConfigBakeState { Status = ConfigBakeStatus.Baking, Hash = served.Hash, StartedAt = _timeProvider.GetUtcNow() };
                Log.BakeStarted(_logger, served.Hash, _options.Duration, baseline);
            }
            else
            {
                _bake = null;
                SetInterval(BakeDefaults.EvaluationInterval);
                if (served.Hash != _revertedTo)
                {
                    state = ConfigBakeState.NotBaking;
                }
            }

            _revertedTo = null;
        }

        if (state is not null)
        {
            _dataPlane.ReportBake(state);
        }
    }

    private void Tick()
    {
        var now = _timeProvider.GetTimestamp();
        Bake? bake;
        lock (_gate)
        {
            TakeSample(now);
            bake = _bake;
        }

        // One evaluation at a time: a slow health check skips a tick instead of stacking them.
        if (bake is null || Interlocked.Exchange(ref _evaluating, 1) == 1)
        {
            return;
        }

        _ = EvaluateAsync(bake, now);
    }

    private async Task EvaluateAsync(Bake bake, long now)
    {
        try
        {
            var failure = FailedShare(bake, now)
                ?? await FailingHealthChecksAsync(bake, now).ConfigureAwait(false)
                ?? await FailingProbeAsync(bake).ConfigureAwait(false);
            if (failure is not null)
            {
                await RevertAsync(bake, failure).ConfigureAwait(false);
            }
            else if (_timeProvider.GetElapsedTime(bake.Started, now) >= _options.Duration)
            {
                End(bake, now);
            }
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            Log.BakeSignalFailed(_logger, "evaluation", ex);
        }
        finally
        {
            Volatile.Write(ref _evaluating, 0);
        }
    }

    /// <summary>The failed share of the last window of the bake, when it has enough requests and rose too far above the baseline.</summary>
    private string? FailedShare(Bake bake, long now)
    {
        Counts window;
        lock (_gate)
        {
            var from = Math.Max(bake.Started, now - Ticks(bake.Settings.Window));
            window = Now() - (from == bake.Started ? bake.AtStart : SinceDuring(bake, from));
        }

        return Judge(window, bake, $"the last {bake.Settings.Window}");
    }

    private static string? Judge(Counts counts, Bake bake, string when)
    {
        if (counts.Requests < bake.Settings.MinimumRequests)
        {
            return null;
        }

        var share = (double)counts.Failed / counts.Requests;
        var baseline = bake.Baseline;
        return share > baseline + bake.Settings.MaxIncrease
            ? $"{counts.Failed} of {counts.Requests} requests failed in {when} ({share:P1}, {baseline:P1} before the apply)"
            : null;
    }

    /// <summary>The tagged health checks, unhealthy for a whole detection window.</summary>
    private async Task<string?> FailingHealthChecksAsync(Bake bake, long now)
    {
        if (_healthChecks is null || string.IsNullOrEmpty(_options.HealthCheckTag))
        {
            return null;
        }

        HealthReport report;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(Min(BakeDefaults.CheckTimeout, bake.Settings.Window));
            report = await _healthChecks.CheckHealthAsync(r => r.Tags.Contains(_options.HealthCheckTag), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            Log.BakeSignalFailed(_logger, $"health checks tagged '{_options.HealthCheckTag}'", ex);
            return null;
        }

        if (report.Status != HealthStatus.Unhealthy)
        {
            bake.UnhealthySince = null;
            return null;
        }

        bake.UnhealthySince ??= now;
        if (_timeProvider.GetElapsedTime(bake.UnhealthySince.Value, now) < bake.Settings.Window)
        {
            return null;
        }

        var failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? "unhealthy"}");
        return $"health checks tagged '{_options.HealthCheckTag}' unhealthy for {bake.Settings.Window} ({string.Join("; ", failing)})";
    }

    /// <summary>The host's probes: the first unhealthy answer fails the bake at once.</summary>
    private async Task<string?> FailingProbeAsync(Bake bake)
    {
        foreach (var probe in _probes)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(BakeDefaults.CheckTimeout);
                var result = await probe.CheckAsync(bake.Snapshot, timeout.Token).AsTask().WaitAsync(BakeDefaults.CheckTimeout, _timeProvider, timeout.Token).ConfigureAwait(false);
                if (result.Status == HealthStatus.Unhealthy)
                {
                    return $"{probe.GetType().Name}: {result.Description ?? result.Exception?.Message ?? "unhealthy"}";
                }
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                Log.BakeSignalFailed(_logger, probe.GetType().Name, ex);
            }
        }

        return null;
    }

    private async Task RevertAsync(Bake bake, string why)
    {
        if (!Finish(bake))
        {
            return;
        }

        var (result, whyNot) = await _dataPlane.RevertAsync(bake.Snapshot, why, _stopping.Token).ConfigureAwait(false);
        var ended = _timeProvider.GetUtcNow();
        if (result?.Outcome == ApplyOutcome.Applied)
        {
            Log.BakeReverted(_logger, bake.Snapshot.Hash, why, result.Hash);
            Report(ConfigBakeStatus.Reverted, bake, ended, why);
            return;
        }

        whyNot ??= result is null ? "nothing to go back to" : $"the revert was {result.Outcome}: {string.Join("; ", result.Errors)}";
        Log.BakeFailedKept(_logger, bake.Snapshot.Hash, why, whyNot);
        Report(ConfigBakeStatus.Failed, bake, ended, $"{why}; kept: {whyNot}");
    }

    /// <summary>The end of the window: a last judgement over the whole bake, then passed or undecided.</summary>
    private void End(Bake bake, long now)
    {
        Counts whole;
        lock (_gate)
        {
            whole = Now() - bake.AtStart;
        }

        if (Judge(whole, bake, $"the whole bake of {_options.Duration}") is { } failure)
        {
            _ = RevertAsync(bake, failure);
            return;
        }

        if (!Finish(bake))
        {
            return;
        }

        var ended = _timeProvider.GetUtcNow();
        if (whole.Requests < bake.Settings.MinimumRequests)
        {
            var why = $"{whole.Requests} requests in {_options.Duration}, fewer than the {bake.Settings.MinimumRequests} needed";
            Log.BakeUndecided(_logger, bake.Snapshot.Hash, why);
            Report(ConfigBakeStatus.Undecided, bake, ended, why);
            return;
        }

        var passed = $"{whole.Failed} of {whole.Requests} requests failed ({(double)whole.Failed / whole.Requests:P1}, {bake.Baseline:P1} before the apply) and every check was healthy";
        Log.BakePassed(_logger, bake.Snapshot.Hash, passed);
        Report(ConfigBakeStatus.Passed, bake, ended, passed);
    }

    /// <summary>Ends the bake once; false when it already ended or another configuration replaced it.</summary>
    private bool Finish(Bake bake)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_bake, bake))
            {
                return false;
            }

            _bake = null;
            _revertedTo = null;
            SetInterval(BakeDefaults.EvaluationInterval);
            return true;
        }
    }

    private void Report(ConfigBakeStatus status, Bake bake, DateTimeOffset ended, string reason)
    {
        lock (_gate)
        {
            if (status == ConfigBakeStatus.Reverted)
            {
                _revertedTo = _dataPlane.Served?.Hash;
            }
        }

        _verdicts?.Add(1, new KeyValuePair<string, object?>("verdict", status.ToString().ToLowerInvariant()));
        _dataPlane.ReportBake(new ConfigBakeState
        {
            Status = status,
            Hash = bake.Snapshot.Hash,
            StartedAt = ended - _timeProvider.GetElapsedTime(bake.Started),
            EndedAt = ended,
            Reason = reason,
        });
    }

    private Counts Now() => new(_outcomes?.Requests ?? 0, _outcomes?.FailedRequests ?? 0);

    /// <summary>Keeps one sample a tick for a detection window and a little (under the gate).</summary>
    private void TakeSample(long now)
    {
        _samples.Enqueue(new Sample(now, Now()));
        var keep = Ticks(_options.DetectionWindow + (2 * BakeDefaults.EvaluationInterval));
        while (_samples.Count > 1 && now - _samples.Peek().At > keep)
        {
            _samples.Dequeue();
        }
    }

    /// <summary>The latest sample taken at or before <paramref name="at"/>, or <see langword="null"/> when none is that old.</summary>
    private Sample? LatestAtOrBefore(long at)
    {
        Sample? found = null;
        foreach (var sample in _samples)
        {
            if (sample.At > at)
            {
                break;
            }

            found = sample;
        }

        return found;
    }

    /// <summary>
    /// The counts at the latest sample at or before <paramref name="at"/>, but never one taken before the bake began (its
    /// counts at the start then): samples follow the evaluation interval, which a bake may change, so the sample before a
    /// window can be older than the configuration, and its requests are not this configuration's.
    /// </summary>
    private Counts SinceDuring(Bake bake, long at) =>
        LatestAtOrBefore(at) is { } before && before.At >= bake.Started ? before.Counts : bake.AtStart;

    /// <summary>
    /// Where the share before an apply starts: the window before it (<see cref="LatestAtOrBefore"/>), but never a sample taken before
    /// <paramref name="servedFrom"/>, when the node began serving the configuration it serves at the apply; then the
    /// earliest sample after that (now, when none is), so that the share holds none of the requests of a configuration
    /// the node just went back from.
    /// </summary>
    private Counts BaselineFrom(long windowFrom, long servedFrom)
    {
        if (LatestAtOrBefore(windowFrom) is { } before && before.At >= servedFrom)
        {
            return before.Counts;
        }

        foreach (var sample in _samples)
        {
            if (sample.At >= servedFrom)
            {
                return sample.Counts;
            }
        }

        return Now();
    }

    /// <summary>
    /// What this configuration is baked with: the node's own settings, each tightened by the control plane's request
    /// where that is stricter (a shorter window and interval, fewer requests needed, a lower threshold); a request out
    /// of bounds is ignored whole.
    /// </summary>
    private BakeSettings SettingsFor(ConfigSnapshot served)
    {
        var own = new BakeSettings(_options.DetectionWindow, BakeDefaults.EvaluationInterval, _options.MinimumRequests, _options.MaxFailedRequestRatioIncrease);
        if (served.RequestedBake is not { IsEmpty: false } request)
        {
            return own;
        }

        if (request.Validate() is { Count: > 0 } errors)
        {
            Log.BakeRequestIgnored(_logger, served.Hash, string.Join("; ", errors));
            return own;
        }

        var settings = new BakeSettings(
            Min(own.Window, request.DetectionWindow ?? own.Window),
            Min(own.Interval, request.EvaluationInterval ?? own.Interval),
            Math.Min(own.MinimumRequests, request.MinimumRequests ?? own.MinimumRequests),
            Math.Min(own.MaxIncrease, request.MaxFailedRequestRatioIncrease ?? own.MaxIncrease));
        Log.BakeTightened(_logger, served.Hash, request.ToString(), settings.Window, settings.Interval, settings.MinimumRequests, settings.MaxIncrease);
        return settings;
    }

    /// <summary>Samples and judges at <paramref name="interval"/> (under the gate): faster only while a tightened bake runs.</summary>
    private void SetInterval(TimeSpan interval)
    {
        if (interval != _interval)
        {
            _interval = interval;
            _timer?.Change(interval, interval);
        }
    }

    private static double Share(Counts from, Counts to)
    {
        var window = to - from;
        return window.Requests > 0 ? (double)window.Failed / window.Requests : 0;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private readonly record struct Counts(long Requests, long Failed)
    {
        public static Counts operator -(Counts a, Counts b) => new(a.Requests - b.Requests, a.Failed - b.Failed);
    }

    private readonly record struct Sample(long At, Counts Counts);

    /// <summary>What one bake judges with: its detection window, evaluation interval, minimum requests and threshold.</summary>
    private readonly record struct BakeSettings(TimeSpan Window, TimeSpan Interval, long MinimumRequests, double MaxIncrease);

    /// <summary>One configuration being baked: when it began, the counts then, the failed share before it.</summary>
    private sealed class Bake(ConfigSnapshot snapshot, long started, Counts atStart, double baseline, BakeSettings settings)
    {
        public BakeSettings Settings { get; } = settings;

        public ConfigSnapshot Snapshot { get; } = snapshot;

        public long Started { get; } = started;

        public Counts AtStart { get; } = atStart;

        public double Baseline { get; } = baseline;

        /// <summary>When the tagged health checks first said unhealthy, in an unbroken run up to now.</summary>
        public long? UnhealthySince { get; set; }
    }
}
