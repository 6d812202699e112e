using System.Diagnostics.Metrics;

namespace Resilience.ControlPlane;

/// <summary>The rollouts' instruments on the <c>Resilience.ControlPlane</c> meter (docs/metrics.md). Recorded by the replica that made the change, so a fleet of replicas counts each once.</summary>
internal sealed class RolloutMetrics : IDisposable
{
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _promoted;
    private readonly Counter<long> _halted;
    private readonly Counter<long> _ended;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _rollback;
    private Func<int> _phase = static () => -1;
    private Func<int> _wave = static () => -1;

    public RolloutMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(ControlPlaneTelemetry.MeterName) ?? (_ownedMeter = new Meter(ControlPlaneTelemetry.MeterName));
        _started = meter.CreateCounter<long>("resilience.control_plane.rollouts.started", "{rollout}", "Staged rollouts started.");
        _promoted = meter.CreateCounter<long>("resilience.control_plane.rollouts.waves_passed", "{wave}", "Waves that passed their gates (or were promoted by an operator), by how (gates, operator).");
        _halted = meter.CreateCounter<long>("resilience.control_plane.rollouts.halted", "{rollout}", "Rollouts halted, by why (gate, operator).");
        _ended = meter.CreateCounter<long>("resilience.control_plane.rollouts.ended", "{rollout}", "Rollouts that ended, by outcome (completed, rolled_back, aborted, superseded).");
        _duration = DurationHistogram.Create(meter, "resilience.control_plane.rollouts.duration", "From a rollout's start to its end, by outcome.");
        _rollback = DurationHistogram.Create(meter, "resilience.control_plane.rollouts.rollback.duration", "From a halt to the last node of the rollout serving the stable configuration again.");
        meter.CreateObservableGauge("resilience.control_plane.rollouts.phase", () => _phase(), "{phase}", "The current rollout's phase (RolloutPhase), -1 when there has been none.");
        meter.CreateObservableGauge("resilience.control_plane.rollouts.wave", () => _wave(), "{wave}", "The wave the current rollout is at, from 0; -1 when there has been none.");
    }

    /// <summary>Connects the gauges to the replica's view of the rollout.</summary>
    public void Observe(Func<int> phase, Func<int> wave)
    {
        _phase = phase;
        _wave = wave;
    }

    public void Record(RolloutRecord record, RolloutEvent change)
    {
        switch (change.Kind)
        {
            case RolloutEventKind.WaveStarted when change.Wave == 0:
                _started.Add(1);
                break;
            case RolloutEventKind.WavePassed:
                _promoted.Add(1, new KeyValuePair<string, object?>("by", "gates"));
                break;
            case RolloutEventKind.Promoted:
                _promoted.Add(1, new KeyValuePair<string, object?>("by", "operator"));
                break;
            case RolloutEventKind.Halted:
                _halted.Add(1, new KeyValuePair<string, object?>("by", change.Actor is null ? "gate" : "operator"));
                break;
            case RolloutEventKind.Aborted:
                _halted.Add(1, new KeyValuePair<string, object?>("by", "operator"));
                break;
            case RolloutEventKind.RollbackCompleted:
                Ended(record, record.EndsAs == RolloutPhase.Aborted ? "aborted" : "rolled_back");
                if (record.RollbackStartedAt is { } halted && record.EndedAt is { } ended)
                {
                    _rollback.Record((ended - halted).TotalSeconds);
                }

                break;
            case RolloutEventKind.Completed:
                Ended(record, "completed");
                break;
            case RolloutEventKind.Superseded:
                Ended(record, "superseded");
                break;
        }
    }

    public void Dispose() => _ownedMeter?.Dispose();

    private void Ended(RolloutRecord record, string outcome)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _ended.Add(1, tag);
        if (record.EndedAt is { } ended)
        {
            _duration.Record((ended - record.StartedAt).TotalSeconds, tag);
        }
    }
}
