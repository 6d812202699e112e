using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Keeps the node's licence: accepts one from the control plane (signature checked when a signing key is
/// configured), stores it atomically in <c>license.json</c> beside the cache, loads it at start-up, and on
/// the injected clock marks it expired (state, health, metric, log) and, when
/// <see cref="DataPlaneResilienceOptions.StopServingOnLicenseExpiry"/> is on, stops serving until a valid
/// licence arrives.
/// </summary>
internal sealed class LicenseMonitor : ILicenseReceiver, IHostedLifecycleService, IDisposable
{
    /// <summary>Timers are re-armed at least daily, so far expiries stay within every timer's range.</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromHours(24);

    private readonly ILicensedServing _serving;
    private readonly ConfigSignatureCheck _signatureCheck;
    private readonly string _path;
    private readonly bool _stopServingOnExpiry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _refused;
    private readonly LocalWriteStatus? _writes;
    private LicenseDocument? _license;
    private ITimer? _timer;
    private bool _expiredLogged;

    public LicenseMonitor(ILicensedServing serving, ConfigSignatureCheck signatureCheck, string dataDirectory, bool stopServingOnExpiry, TimeProvider timeProvider, ILogger<LicenseMonitor> logger, IMeterFactory? meterFactory, LocalWriteStatus? writes = null)
    {
        _writes = writes;
        _serving = serving;
        _signatureCheck = signatureCheck;
        _path = Path.Combine(dataDirectory, LicenseFile.FileName);
        _stopServingOnExpiry = stopServingOnExpiry;
        _timeProvider = timeProvider;
        _logger = logger;
        var meter = meterFactory?.Create(DataPlaneResilienceDefaults.MeterName) ?? (_ownedMeter = new Meter(DataPlaneResilienceDefaults.MeterName));
        meter.CreateObservableGauge("resilience.license.expires_in", ExpiresIn, "s", "Seconds until the held licence expires (negative once expired); nothing when no licence is held.");
        _refused = meter.CreateCounter<long>("resilience.license.refused", "{license}", "Licences refused (bad signature or format), by source.");
    }

    /// <summary>Gets the licence held now.</summary>
    public LicenseDocument? License => Volatile.Read(ref _license);

    /// <summary>
    /// Loads the stored licence before any hosted service starts (the chain's start serves the cache): with an expired one
    /// and <see cref="DataPlaneResilienceOptions.StopServingOnLicenseExpiry"/>, the cache is never shown.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        LoadStored();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads <c>license.json</c>, checking its signature again; a bad file is ignored.</summary>
    public void LoadStored()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        try
        {
            var (payload, signature) = LicenseFile.Decode(File.ReadAllBytes(_path));
            if (Check(payload, signature, "the licence file") is { } license)
            {
                Apply(license, "the licence file");
            }
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
        {
            Refuse("the licence file", ex.Message);
        }
    }

    /// <summary>Accepts a licence from the control plane: checks it, stores it, then applies it (so a held licence is a stored one).</summary>
    /// <returns>Whether it was accepted.</returns>
    public async ValueTask<bool> AcceptFromControlPlaneAsync(ReadOnlyMemory<byte> payload, string? signature, CancellationToken cancellationToken)
    {
        const string source = "the control plane";
        if (Check(payload, signature, source) is not { } license)
        {
            return false;
        }

        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            await AtomicFile.WriteAsync(_path, LicenseFile.Encode(license), cancellationToken).ConfigureAwait(false);
            _writes?.MarkWritten(LocalWriteStatus.License);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Still applied: the licence is valid; only a restart would not find it.
            Log.LicenseWriteFailed(_logger, _path, ex);
            _writes?.MarkNotWritten(LocalWriteStatus.License, _path, $"{ex.Message}; the licence is held, but a restart would not find it");
        }

        Apply(license, source);
        return true;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }

        _ownedMeter?.Dispose();
    }

    private LicenseDocument? Check(ReadOnlyMemory<byte> payload, string? signature, string source)
    {
        LicenseDocument license;
        try
        {
            license = LicenseDocument.Parse(payload, signature);
        }
        catch (FormatException ex)
        {
            Refuse(source, ex.Message);
            return null;
        }

        if (!_signatureCheck.VerifyLicense(license.Payload.Span, license.Signature, out var why))
        {
            Refuse(source, why);
            return null;
        }

        return license;
    }

    private void Apply(LicenseDocument license, string source)
    {
        lock (_gate)
        {
            Volatile.Write(ref _license, license);
            _expiredLogged = false;
        }

        Log.LicenseAccepted(_logger, license.Subject, source, license.ExpiresAt);
        Evaluate();
    }

    private void Refuse(string source, string why)
    {
        _refused.Add(1, new KeyValuePair<string, object?>("source", source == "the control plane" ? "control_plane" : "file"));
        Log.LicenseRefused(_logger, source, why);
    }

    /// <summary>Publishes the licence's state for now and arms the timer for its expiry.</summary>
    private void Evaluate()
    {
        bool logExpiry;
        LicenseState state;
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (_license is not { } license)
            {
                return;
            }

            var now = _timeProvider.GetUtcNow();
            var expired = now >= license.ExpiresAt;
            var stop = expired && _stopServingOnExpiry;
            state = new LicenseState(license.Subject, license.ExpiresAt, expired, stop);
            logExpiry = expired && !_expiredLogged;
            _expiredLogged |= expired;
            if (!expired)
            {
                var due = license.ExpiresAt - now;
                _timer = _timeProvider.CreateTimer(static s => ((LicenseMonitor)s!).Evaluate(), this, due < MaxTimerDue ? due : MaxTimerDue, Timeout.InfiniteTimeSpan);
            }

            // Under the gate, so two evaluations cannot publish their states out of order.
            _serving.ReportLicense(state);
        }

        if (logExpiry)
        {
            Log.LicenseExpired(_logger, state.Subject, state.ExpiresAt, state.ServingStopped);
        }
    }

    private Measurement<double>[] ExpiresIn() =>
        Volatile.Read(ref _license) is { } license
            ? [new Measurement<double>((license.ExpiresAt - _timeProvider.GetUtcNow()).TotalSeconds)]
            : [];
}
