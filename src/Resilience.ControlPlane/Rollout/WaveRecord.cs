namespace Resilience.ControlPlane;

/// <summary>One wave's progress in a <see cref="RolloutRecord"/>, and how it selected its nodes.</summary>
internal sealed record WaveRecord
{
    public RolloutWaveState State { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when every node of the wave served the configuration: the bake runs from here.</summary>
    public DateTimeOffset? BakeStartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets, for a share wave, the rank of the last node taken when it was planned: a node that connects later and ranks at or below it joins.</summary>
    public double? CutoffRank { get; init; }

    /// <summary>Gets how many nodes the wave selected when the rollout was planned.</summary>
    public int PlannedNodes { get; init; }
}
