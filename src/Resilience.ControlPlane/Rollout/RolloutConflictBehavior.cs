namespace Resilience.ControlPlane;

/// <summary>What a publish does while a rollout runs (<see cref="RolloutOptions.WhenRunning"/>).</summary>
public enum RolloutConflictBehavior
{
    /// <summary>The new publish takes over; the running rollout ends superseded.</summary>
    Supersede = 0,

    /// <summary>The publish fails with <see cref="RolloutInProgressException"/>; nothing changes.</summary>
    Refuse = 1,
}
