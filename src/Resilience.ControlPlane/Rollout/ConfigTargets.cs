namespace Resilience.ControlPlane;

/// <summary>
/// Which configuration each node should serve. Without a rollout every node gets the latest publish, as always. While
/// a rollout runs, the nodes of its started waves get its candidate and every other node (those of later waves, those
/// no wave selects, those that connect or reconnect meanwhile unless their wave started) gets the fleet's stable
/// configuration; a rollout that halts sends every node back to the stable one, and one that completes makes its
/// candidate the stable one. The fallback store only ever gets <see cref="Stable"/>.
/// </summary>
/// <remarks>
/// The publisher sets the latest publish (<see cref="SetLatest"/>), the rollout coordinator the rollout
/// (<see cref="SetRollout"/>); a latest publish that names a rollout this replica does not know yet changes nothing
/// until the rollout arrives (safe: nobody gets it meanwhile).
/// </remarks>
internal sealed class ConfigTargets
{
    private readonly object _gate = new();
    private State _state = new(null, null, null, null);

    /// <summary>Raised (outside the lock) when the configuration some nodes should serve may have changed.</summary>
    public event Action? Changed;

    /// <summary>Raised (outside the lock) when the fleet's stable configuration changed, with the new one.</summary>
    public event Action<PublishedConfig>? StableChanged;

    /// <summary>Gets the latest publish (a rollout's candidate while it runs).</summary>
    public PublishedConfig? Latest => Volatile.Read(ref _state).Latest;

    /// <summary>Gets the fleet's stable configuration: what nodes outside a rollout serve and the fallback store gets.</summary>
    public PublishedConfig? Stable => Volatile.Read(ref _state).Stable;

    /// <summary>Gets the rollout this replica knows of (running or the last one that ended).</summary>
    public RolloutRecord? Rollout => Volatile.Read(ref _state).Rollout;

    /// <summary>Gets the candidate of the rollout that decides what nodes serve now, or <see langword="null"/>.</summary>
    public PublishedConfig? Candidate => ActiveCandidate(Volatile.Read(ref _state));

    /// <summary>The configuration a node should serve, or <see langword="null"/> when there is none for it.</summary>
    /// <param name="nodeId">The node.</param>
    /// <param name="labels">Its labels (for a node the rollout has not pinned yet).</param>
    public PublishedConfig? For(string nodeId, IReadOnlyDictionary<string, string>? labels)
    {
        var state = Volatile.Read(ref _state);
        if (ActiveCandidate(state) is not { } candidate || state.Rollout!.Phase != RolloutRecordPhase.Running)
        {
            return state.Stable;
        }

        var record = state.Rollout;
        var wave = WaveSelection.WaveOf(record, nodeId, labels);
        return wave >= 0 && wave <= record.CurrentWave && record.WaveStates[wave].State != RolloutWaveState.Pending ? candidate.WithBake(record.Waves[wave].NodeBake) : state.Stable;
    }

    /// <summary>Takes a new latest publish: one without a rollout is the stable configuration at once.</summary>
    public void SetLatest(PublishedConfig latest)
    {
        ArgumentNullException.ThrowIfNull(latest);

        // A rollout's candidate: what was stable when it arrived is what its rollout goes back to.
        Update(state => state with { Latest = latest, Baseline = latest.RolloutId is null ? state.Baseline : state.Stable ?? state.Baseline });
    }

    /// <summary>Takes the rollout's newest record (from this replica's coordinator or the backplane).</summary>
    public void SetRollout(RolloutRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Update(state => state.Rollout is { } known && known.Id == record.Id && known.Version > record.Version ? state : state with { Rollout = record });
    }

    /// <summary>Sets the configuration a rollout goes back to when this replica did not see it published (a replica that started during the rollout).</summary>
    public void SetBaseline(PublishedConfig baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        Update(state => state with { Baseline = baseline });
    }

    private static PublishedConfig? ActiveCandidate(State state) =>
        state.Latest is { RolloutId: { } id } latest && state.Rollout is { } record && record.Id == id && record.IsActive ? latest : null;

    private void Update(Func<State, State> change)
    {
        PublishedConfig? stableBefore, stableAfter;
        bool changed;
        lock (_gate)
        {
            var before = _state;
            var after = Settle(change(before));
            Volatile.Write(ref _state, after);
            changed = !ReferenceEquals(before.Latest, after.Latest) || !ReferenceEquals(before.Rollout, after.Rollout) || !ReferenceEquals(before.Stable, after.Stable);
            (stableBefore, stableAfter) = (before.Stable, after.Stable);
        }

        if (stableAfter is not null && !ReferenceEquals(stableBefore, stableAfter) && stableBefore?.Hash != stableAfter.Hash)
        {
            StableChanged?.Invoke(stableAfter);
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// The stable configuration follows from the latest publish and the rollout: a publish without a rollout is stable;
    /// a rollout's candidate becomes stable when the rollout completes; otherwise the stable one stays what it was (or
    /// the rollout's baseline, for a replica that never saw it).
    /// </summary>
    private static State Settle(State state)
    {
        var stable = state.Stable;
        if (state.Latest is { } latest)
        {
            if (latest.RolloutId is null)
            {
                stable = latest;
            }
            else if (state.Rollout is { } record && record.Id == latest.RolloutId)
            {
                if (record.Phase == RolloutRecordPhase.Completed)
                {
                    stable = stable?.Hash == latest.Hash && stable.RolloutId is null ? stable : latest.AsStable();
                }
                else if (record.Stable is { } baseline && stable?.Hash != baseline.Hash && state.Baseline?.Hash == baseline.Hash)
                {
                    // Running, rolling back or rolled back (also a completed rollout an operator rolled back): its baseline.
                    stable = state.Baseline;
                }
            }
        }

        return ReferenceEquals(stable, state.Stable) ? state : state with { Stable = stable };
    }

    private sealed record State(PublishedConfig? Latest, PublishedConfig? Stable, RolloutRecord? Rollout, PublishedConfig? Baseline);
}
