namespace Resilience.ControlPlane;

/// <summary>One wave in a rollout's status: its nodes, its gates and its times.</summary>
public sealed record RolloutWaveStatus
{
    /// <summary>Gets the wave's position in the plan, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>Gets its name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets how it selects nodes, for people (<c>ring=canary</c>, <c>5 % of the fleet</c>, <c>1 node</c>, <c>everyone else</c>).</summary>
    public required string Selector { get; init; }

    /// <summary>Gets where it is.</summary>
    public required RolloutWaveState State { get; init; }

    /// <summary>Gets how long it bakes.</summary>
    public TimeSpan BakeTime { get; init; }

    /// <summary>Gets when it started (its nodes were sent the configuration).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when its bake started (every node served the configuration).</summary>
    public DateTimeOffset? BakeStartedAt { get; init; }

    /// <summary>Gets when it passed or failed.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets its nodes.</summary>
    public IReadOnlyList<RolloutNodeStatus> Nodes { get; init; } = [];

    /// <summary>Gets its gates.</summary>
    public IReadOnlyList<RolloutGateStatus> Gates { get; init; } = [];
}
