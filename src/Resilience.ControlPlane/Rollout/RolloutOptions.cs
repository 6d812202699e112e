using System.ComponentModel.DataAnnotations;

namespace Resilience.ControlPlane;

/// <summary>How the control plane runs staged rollouts (section <c>DataPlaneHub:Rollouts</c>). Validated at start-up.</summary>
public sealed class RolloutOptions
{
    /// <summary>
    /// Gets or sets what a publish does while a rollout runs: <see cref="RolloutConflictBehavior.Supersede"/> (the default:
    /// the new publish takes over, the running rollout ends <see cref="RolloutPhase.Superseded"/> and its nodes get what
    /// the new publish gives them) or <see cref="RolloutConflictBehavior.Refuse"/> (the publish fails with
    /// <see cref="RolloutInProgressException"/> until the rollout ends or is aborted).
    /// </summary>
    public RolloutConflictBehavior WhenRunning { get; set; } = RolloutConflictBehavior.Supersede;

    /// <summary>Gets or sets how often the gates are read and the rollout moved on (it also moves on at once when a node reports). Default: 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how far back a node's requests count as its failed-request share before a rollout reached it. Default: 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BaselineWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets, with replicas, how long the replica that drives rollouts holds that role without renewing it: when it
    /// dies, another replica takes over after at most this long. Default: 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Validates <see cref="RolloutOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class RolloutOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<RolloutOptions>
{
}
