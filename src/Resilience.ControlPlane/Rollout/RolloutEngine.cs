namespace Resilience.ControlPlane;

/// <summary>
/// The rollout's state machine, as pure functions of a <see cref="RolloutRecord"/>, the nodes' reports and the time:
/// start a wave, bake it while its gates hold, promote the next, complete; halt on a failed gate and roll the started
/// waves back until their nodes serve the stable configuration again. No clock, no I/O: the driver calls
/// <see cref="Advance"/> on a timer and on every report and writes what changed.
/// </summary>
internal static class RolloutEngine
{
    /// <summary>Plans a new rollout over the connected fleet and starts its first wave.</summary>
    public static (RolloutRecord Record, List<RolloutEvent> Events) Start(
        string id, RolloutConfigRef candidate, RolloutConfigRef? stable, WavePlan[] waves, IReadOnlyList<FleetNode> fleet, string? actor, DateTimeOffset now)
    {
        var (assignments, states, counts) = WaveSelection.Plan(waves, fleet);
        var record = new RolloutRecord
        {
            Id = id,
            Candidate = candidate,
            Stable = stable,
            Waves = waves,
            WaveStates = states,
            Assignments = assignments,
            CountMembers = counts,
            Phase = RolloutRecordPhase.Running,
            CurrentWave = 0,
            Actor = actor,
            StartedAt = now,
        };
        var events = new List<RolloutEvent>();
        record = StartWave(record, 0, now, events);
        return Advance(record, new Dictionary<string, RolloutNodeReport>(), [], now, events);
    }

    /// <summary>One step: pins nodes seen for the first time, then moves the rollout on as far as it can go now.</summary>
    public static (RolloutRecord Record, List<RolloutEvent> Events) Advance(
        RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports, IReadOnlyList<FleetNode> fleet, DateTimeOffset now, List<RolloutEvent>? events = null)
    {
        events ??= [];
        record = Pin(record, fleet);
        if (record.Phase == RolloutRecordPhase.Running)
        {
            record = Run(record, reports, now, events);
        }

        // A halt in this very step is complete at once when no node of its waves serves the candidate.
        if (record.Phase == RolloutRecordPhase.RollingBack)
        {
            record = FinishRollback(record, reports, now, events);
        }

        return (record, events);
    }

    /// <summary>Stops promoting (a failed gate still rolls back).</summary>
    public static RolloutRecord Pause(RolloutRecord record, string? reason, string? actor)
    {
        RequireRunning(record, "pause");
        return record with { Paused = true, Reason = reason ?? "paused by an operator", Actor = actor ?? record.Actor };
    }

    public static RolloutRecord Resume(RolloutRecord record, string? actor)
    {
        RequireRunning(record, "resume");
        return record with { Paused = false, Reason = null, Actor = actor ?? record.Actor };
    }

    /// <summary>Ends the current wave's bake now and starts the next wave (or completes).</summary>
    public static (RolloutRecord Record, List<RolloutEvent> Events) Promote(RolloutRecord record, string? actor, DateTimeOffset now)
    {
        RequireRunning(record, "promote");
        var events = new List<RolloutEvent> { new(RolloutEventKind.Promoted, record.CurrentWave, Actor: actor ?? "operator") };
        return (PassWave(record with { Actor = actor ?? record.Actor }, now, events), events);
    }

    /// <summary>Halts the rollout and rolls the nodes that got the configuration back; it ends as <paramref name="endsAs"/>.</summary>
    public static (RolloutRecord Record, List<RolloutEvent> Events) Halt(RolloutRecord record, RolloutPhase endsAs, string reason, string? actor, DateTimeOffset now)
    {
        if (record.Phase != RolloutRecordPhase.Running)
        {
            throw new RolloutOperationException($"rollout {record.Id} is {record.PublicPhase}: only a running or paused rollout can be {(endsAs == RolloutPhase.Aborted ? "aborted" : "rolled back")}");
        }

        var events = new List<RolloutEvent>();
        var halted = HaltInternal(record, endsAs, reason, actor, now, events);
        return (halted, events);
    }

    /// <summary>
    /// Rolls a completed rollout back while nothing newer was published: every node that serves its configuration goes
    /// back to the stable one from before it, which is the fleet's stable configuration again.
    /// </summary>
    public static (RolloutRecord Record, List<RolloutEvent> Events) RollBackCompleted(RolloutRecord record, string reason, string? actor, DateTimeOffset now)
    {
        if (record.Phase != RolloutRecordPhase.Completed)
        {
            throw new RolloutOperationException($"rollout {record.Id} is {record.PublicPhase}, not completed");
        }

        if (record.Stable is null)
        {
            throw new RolloutOperationException($"rollout {record.Id} has no stable configuration from before it to go back to");
        }

        var events = new List<RolloutEvent> { new(RolloutEventKind.Halted, record.CurrentWave, reason, actor ?? "operator") };
        return (record with
        {
            Phase = RolloutRecordPhase.RollingBack,
            EndsAs = RolloutPhase.RolledBack,
            FleetWide = true,
            Reason = reason,
            Actor = actor ?? record.Actor,
            RollbackStartedAt = now,
            EndedAt = null,
        }, events);
    }

    /// <summary>Ends a rollout because a newer publish took its place.</summary>
    public static RolloutRecord Supersede(RolloutRecord record, string reason, DateTimeOffset now) =>
        record.Phase is RolloutRecordPhase.Running or RolloutRecordPhase.RollingBack
            ? record with { Phase = RolloutRecordPhase.Superseded, Reason = reason, EndedAt = now, Paused = false }
            : record;

    private static RolloutRecord Run(RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports, DateTimeOffset now, List<RolloutEvent> events)
    {
        // Each pass may start a wave that is already done (an empty everyone-else wave, zero bake): bounded by the waves.
        for (var pass = 0; pass <= record.Waves.Length && record.Phase == RolloutRecordPhase.Running; pass++)
        {
            var index = record.CurrentWave;
            var evaluation = WaveGates.Evaluate(record, index, reports, now);
            if (evaluation.Failure is { } failure)
            {
                return HaltInternal(record, RolloutPhase.RolledBack, $"{record.Waves[index].Name}: {failure}", actor: null, now, events);
            }

            var wave = record.WaveStates[index];
            if (wave.State == RolloutWaveState.Applying && evaluation.AllApplied)
            {
                wave = wave with { State = RolloutWaveState.Baking, BakeStartedAt = now };
                record = WithWave(record, index, wave);
                events.Add(new RolloutEvent(RolloutEventKind.BakeStarted, index));
            }

            if (wave.State != RolloutWaveState.Baking || record.Paused || now < wave.BakeStartedAt!.Value + record.Waves[index].BakeTime)
            {
                return record;
            }

            record = PassWave(record, now, events);
        }

        return record;
    }

    private static RolloutRecord PassWave(RolloutRecord record, DateTimeOffset now, List<RolloutEvent> events)
    {
        var index = record.CurrentWave;
        record = WithWave(record, index, record.WaveStates[index] with { State = RolloutWaveState.Passed, EndedAt = now });
        events.Add(new RolloutEvent(RolloutEventKind.WavePassed, index));
        if (index + 1 < record.Waves.Length)
        {
            return StartWave(record with { CurrentWave = index + 1 }, index + 1, now, events);
        }

        events.Add(new RolloutEvent(RolloutEventKind.Completed, index));
        return record with { Phase = RolloutRecordPhase.Completed, EndedAt = now, Paused = false, Reason = null };
    }

    private static RolloutRecord StartWave(RolloutRecord record, int index, DateTimeOffset now, List<RolloutEvent> events)
    {
        events.Add(new RolloutEvent(RolloutEventKind.WaveStarted, index));
        return WithWave(record, index, record.WaveStates[index] with { State = RolloutWaveState.Applying, StartedAt = now });
    }

    private static RolloutRecord HaltInternal(RolloutRecord record, RolloutPhase endsAs, string reason, string? actor, DateTimeOffset now, List<RolloutEvent> events)
    {
        var index = record.CurrentWave;
        record = WithWave(record, index, record.WaveStates[index] with { State = RolloutWaveState.Failed, EndedAt = now });
        events.Add(new RolloutEvent(endsAs == RolloutPhase.Aborted ? RolloutEventKind.Aborted : RolloutEventKind.Halted, index, reason, actor));
        return record with
        {
            Phase = RolloutRecordPhase.RollingBack,
            EndsAs = endsAs,
            Reason = reason,
            Actor = actor ?? record.Actor,
            RollbackStartedAt = now,
            Paused = false,
        };
    }

    /// <summary>The rollback is complete when no connected node of a started wave serves the candidate; a node that does not confirm within the longest apply timeout is named and left (it gets the stable configuration on its next connection).</summary>
    private static RolloutRecord FinishRollback(RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports, DateTimeOffset now, List<RolloutEvent> events)
    {
        var pending = NodesServingCandidate(record, reports).ToList();
        var limit = record.Waves.Take(record.CurrentWave + 1).Max(w => w.ApplyTimeout);
        if (pending.Count > 0 && now - record.RollbackStartedAt!.Value <= limit)
        {
            return record;
        }

        var reason = pending.Count == 0 ? record.Reason : $"{record.Reason} (not confirmed in time by {string.Join(", ", pending)})";
        events.Add(new RolloutEvent(RolloutEventKind.RollbackCompleted, record.CurrentWave, reason));
        return record with
        {
            Phase = record.EndsAs == RolloutPhase.Aborted ? RolloutRecordPhase.Aborted : RolloutRecordPhase.RolledBack,
            Reason = reason,
            EndedAt = now,
        };
    }

    /// <summary>The connected nodes of started waves that still report serving the candidate.</summary>
    internal static IEnumerable<string> NodesServingCandidate(RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports) =>
        (record.FleetWide ? reports.Keys : record.Assignments.Where(a => a.Value >= 0 && a.Value <= record.CurrentWave).Select(a => a.Key))
            .Where(id => reports.TryGetValue(id, out var report) && report.IsConnected && report.ServedHash == record.Candidate.Hash)
            .Order(StringComparer.Ordinal);

    /// <summary>Pins the wave of every node seen for the first time, so it never changes afterwards.</summary>
    private static RolloutRecord Pin(RolloutRecord record, IReadOnlyList<FleetNode> fleet)
    {
        Dictionary<string, int>? pinned = null;
        foreach (var node in fleet)
        {
            if (record.Assignments.ContainsKey(node.NodeId) || (pinned?.ContainsKey(node.NodeId) ?? false))
            {
                continue;
            }

            (pinned ??= new Dictionary<string, int>(record.Assignments, StringComparer.Ordinal))[node.NodeId] = WaveSelection.Select(record, node.NodeId, node.Labels);
        }

        return pinned is null ? record : record with { Assignments = pinned };
    }

    private static RolloutRecord WithWave(RolloutRecord record, int index, WaveRecord wave)
    {
        var waves = (WaveRecord[])record.WaveStates.Clone();
        waves[index] = wave;
        return record with { WaveStates = waves };
    }

    private static void RequireRunning(RolloutRecord record, string action)
    {
        if (record.Phase != RolloutRecordPhase.Running)
        {
            throw new RolloutOperationException($"rollout {record.Id} is {record.PublicPhase}: only a running or paused rollout can {action}");
        }
    }
}
