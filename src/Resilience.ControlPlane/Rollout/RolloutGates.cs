namespace Resilience.ControlPlane;

/// <summary>
/// What a wave must show before it promotes, read from what its nodes report: apply results, self-reverts and the
/// health in their heartbeats. A gate that fails halts the rollout and rolls the wave back. Always on: no node of the
/// wave rejected or reverted the configuration.
/// </summary>
public sealed class RolloutGates
{
    /// <summary>
    /// Gets or sets how long each node of the wave has to report that it serves the configuration, from the moment it
    /// was sent; a node that does not answer in time counts as failed. Default: 1 minute.
    /// </summary>
    public TimeSpan ApplyTimeout { get; set; } = RolloutDefaults.ApplyTimeout;

    /// <summary>
    /// Gets or sets how much the wave's share of failed requests (5xx from upstreams and proxy errors, as the nodes
    /// count them) may rise above its share before the configuration, in absolute terms (0.05: from 1 % to at most
    /// 6 %). <see langword="null"/> turns the gate off. Default: 0.05.
    /// </summary>
    public double? MaxFailedRequestShareIncrease { get; set; } = RolloutDefaults.MaxFailedRequestShareIncrease;

    /// <summary>
    /// Gets or sets how many requests the wave must have served with the configuration before the failed-request gate
    /// decides; with fewer, it is undecided, which does not hold the wave back. Default: 20.
    /// </summary>
    public long MinRequests { get; set; } = RolloutDefaults.MinRequests;

    /// <summary>Gets or sets a value indicating whether every node of the wave must report itself ready while it serves the configuration. Default: <see langword="false"/>.</summary>
    public bool RequireReady { get; set; }

    /// <summary>
    /// Gets or sets how many nodes the wave must select: a wave with fewer halts the rollout (a canary wave that finds
    /// no canary is not a reason to go on). Default: 1, and 0 for an <see cref="RolloutWave.EveryoneElse"/> wave.
    /// </summary>
    public int? MinNodes { get; set; }
}
