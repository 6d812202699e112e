namespace Resilience.ControlPlane;

/// <summary>
/// What a rollout record read from the backplane must hold before any reader uses it: the sessions ask it who gets
/// what on every send and heartbeat, so a document that parses but does not hang together (a wave index out of range, a
/// missing part, a rollback without its start) is refused here, logged and ignored, as one that does not parse is.
/// </summary>
internal static class RolloutRecordCheck
{
    /// <summary>Why the record cannot be used, or <see langword="null"/> when it can.</summary>
    public static string? Why(RolloutRecord? record)
    {
        if (record is null || string.IsNullOrEmpty(record.Id))
        {
            return "the document does not describe a rollout";
        }

        if (string.IsNullOrEmpty(record.Candidate?.Hash) || (record.Stable is { } stable && string.IsNullOrEmpty(stable.Hash)))
        {
            return "a configuration of the rollout has no hash";
        }

        if (record.Waves is not { Length: > 0 } waves || Array.Exists(waves, w => w is null || w.Name is null || (w.Labels is { } labels && labels.Values.Any(v => v is null))))
        {
            return "the rollout's waves are missing or incomplete";
        }

        if (Array.Exists(waves, w => w.NodeBake is { } bake && bake.Validate().Count > 0))
        {
            return "a wave's node bake is out of bounds";
        }

        if (record.WaveStates is not { } states || states.Length != waves.Length || Array.Exists(states, s => s is null))
        {
            return "the rollout's wave states do not match its waves";
        }

        if (record.CurrentWave < 0 || record.CurrentWave >= waves.Length)
        {
            return $"the current wave {record.CurrentWave} is not one of its {waves.Length} waves";
        }

        if (record.Assignments is not { } assignments || assignments.Values.Any(wave => wave < WaveSelection.NoWave || wave >= waves.Length))
        {
            return "a node is assigned to a wave the rollout does not have";
        }

        if (record.CountMembers is { } members && members.Any(m => m.Key < 0 || m.Key >= waves.Length || m.Value is null || Array.Exists(m.Value, id => id is null)))
        {
            return "a count wave's members are not valid";
        }

        return record.Phase == RolloutRecordPhase.RollingBack && record.RollbackStartedAt is null ? "a rollout rolling back without the time it started" : null;
    }
}
