namespace Resilience.ControlPlane;

/// <summary>A data plane's health as its last heartbeat reported it (<see cref="DataPlaneInfo.Health"/>): what a rollout's gates read.</summary>
public sealed record DataPlaneHealth
{
    /// <summary>Gets a value indicating whether it serves a configuration.</summary>
    public bool Ready { get; init; }

    /// <summary>Gets the requests it recorded in the heartbeat interval before its last heartbeat.</summary>
    public long Requests { get; init; }

    /// <summary>Gets the failed ones among them (status 500 or above, or a proxy error).</summary>
    public long FailedRequests { get; init; }

    /// <summary>Gets the requests reported by every heartbeat this control plane received from it.</summary>
    public long TotalRequests { get; init; }

    /// <summary>Gets the failed requests reported by every heartbeat this control plane received from it.</summary>
    public long TotalFailedRequests { get; init; }

    /// <summary>Gets the bake of its served configuration: <c>none</c>, <c>baking</c>, <c>passed</c>, <c>undecided</c>, <c>reverted</c> or <c>failed</c> (<c>LinkProtocol.BakeStates</c>).</summary>
    public string? Bake { get; init; }

    /// <summary>Gets the configuration the bake is about.</summary>
    public string? BakeHash { get; init; }

    /// <summary>Gets when the heartbeat arrived.</summary>
    public DateTimeOffset ReportedAt { get; init; }

    /// <summary>Gets the share of failed requests in the last interval, or <see langword="null"/> without requests.</summary>
    public double? FailedRequestRatio => Requests > 0 ? (double)FailedRequests / Requests : null;
}
