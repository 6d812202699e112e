namespace Resilience.ControlPlane;

/// <summary>Who asked for a rollback, as the link's <c>actor</c> field names it.</summary>
internal static class RolloutActors
{
    public const string SelfRevert = "self-revert";

    /// <summary>The actor of the rollbacks a rollout sends: <c>control-plane:&lt;rollout id&gt;</c>.</summary>
    public static string ControlPlane(string rolloutId) => $"control-plane:{rolloutId}";
}
