namespace Resilience.ControlPlane;

/// <summary>What the fleet page shows, also served as JSON at <c>{pattern}/data</c>: every node, the latest and stable configurations, and the current rollout.</summary>
public sealed record FleetView
{
    /// <summary>Gets when the view was taken.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the hash of the latest published configuration.</summary>
    public string? LatestHash { get; init; }

    /// <summary>Gets the version of the latest published configuration.</summary>
    public string? LatestVersion { get; init; }

    /// <summary>Gets the hash of the fleet's stable configuration.</summary>
    public string? StableHash { get; init; }

    /// <summary>Gets the version of the fleet's stable configuration.</summary>
    public string? StableVersion { get; init; }

    /// <summary>Gets every connected or recently seen node.</summary>
    public required IReadOnlyList<DataPlaneInfo> Nodes { get; init; }

    /// <summary>Gets the current (or last) rollout, or <see langword="null"/>.</summary>
    public RolloutStatus? Rollout { get; init; }
}
