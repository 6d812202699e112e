namespace Resilience.ControlPlane;

/// <summary>Turns a rollout record and its nodes' reports into the status operators, the fleet page and the API see.</summary>
internal static class RolloutStatusBuilder
{
    public static RolloutStatus Build(RolloutRecord record, IReadOnlyDictionary<string, RolloutNodeReport> reports, DateTimeOffset now, bool backplaneUnavailable)
    {
        var running = record.Phase == RolloutRecordPhase.Running;
        var waves = new RolloutWaveStatus[record.Waves.Length];
        for (var i = 0; i < waves.Length; i++)
        {
            var plan = record.Waves[i];
            var state = record.WaveStates[i];
            var evaluation = WaveGates.Evaluate(record, i, reports, now);
            var nodes = running ? evaluation.Nodes : evaluation.Nodes.Select(n => WentBack(record, n)).ToArray();
            waves[i] = new RolloutWaveStatus
            {
                Index = i,
                Name = plan.Name,
                Selector = plan.Describe(),
                State = state.State,
                BakeTime = plan.BakeTime,
                StartedAt = state.StartedAt,
                BakeStartedAt = state.BakeStartedAt,
                EndedAt = state.EndedAt,
                Nodes = nodes,
                Gates = evaluation.Gates,
            };
        }

        return new RolloutStatus
        {
            Id = record.Id,
            Phase = backplaneUnavailable && running ? RolloutPhase.Paused : record.PublicPhase,
            ConfigHash = record.Candidate.Hash,
            ConfigVersion = record.Candidate.Version,
            StableHash = record.Phase == RolloutRecordPhase.Completed ? record.Candidate.Hash : record.Stable?.Hash,
            Reason = backplaneUnavailable && running ? "the backplane cannot be reached: the rollout cannot move on until it is back" : record.Reason,
            Actor = record.Actor,
            StartedAt = record.StartedAt,
            EndedAt = record.EndedAt,
            CurrentWave = record.CurrentWave,
            BackplaneUnavailable = backplaneUnavailable,
            Waves = waves,
        };
    }

    /// <summary>After a halt, a node that served the candidate and serves something else now went back.</summary>
    private static RolloutNodeStatus WentBack(RolloutRecord record, RolloutNodeStatus node) =>
        node.State == RolloutNodeState.Applied && node.ServedHash is { } served && served != record.Candidate.Hash && record.Phase != RolloutRecordPhase.Completed
            ? node with { State = RolloutNodeState.RolledBack }
            : node;
}
