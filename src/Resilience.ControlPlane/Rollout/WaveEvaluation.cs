namespace Resilience.ControlPlane;

/// <summary>One wave as its gates read it now: every node's state, every gate, and the first failure.</summary>
internal sealed record WaveEvaluation(IReadOnlyList<RolloutNodeStatus> Nodes, IReadOnlyList<RolloutGateStatus> Gates, string? Failure)
{
    /// <summary>Gets a value indicating whether every node of the wave serves the configuration (the bake can run).</summary>
    public bool AllApplied => Gates.Any(g => g.Name == WaveGates.Applied && g.State == RolloutGateState.Passed);
}
