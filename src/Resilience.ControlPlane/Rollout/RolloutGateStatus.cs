namespace Resilience.ControlPlane;

/// <summary>One gate of a wave: what it measures, what it says now and the value it read.</summary>
public sealed record RolloutGateStatus
{
    /// <summary>Gets the gate's name: <c>nodes</c>, <c>applied</c>, <c>no rejects or reverts</c>, <c>failed requests</c> or <c>ready</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what it says now.</summary>
    public required RolloutGateState State { get; init; }

    /// <summary>Gets the value it read, for people (for example <c>2.0 % of 150 requests (before: 0.4 % of 512)</c>).</summary>
    public string? Value { get; init; }

    /// <summary>Gets what it requires, for people (for example <c>at most the share before + 5 points</c>).</summary>
    public string? Threshold { get; init; }
}
