namespace Resilience.ControlPlane;

/// <summary>
/// Commands to one connected data plane (a rollout engine's, or an operator tool's). Today: serve a configuration of its
/// history again. The answer comes back on the data plane's link; the registry (<see cref="IDataPlaneRegistry"/>) shows the
/// rollback afterwards, and the control plane does not push the configuration rolled back from to that node again.
/// </summary>
public interface IDataPlaneHub
{
    /// <summary>
    /// Asks a data plane connected to this control plane (with a backplane: to this replica, <see cref="DataPlaneInfo.ReplicaId"/>)
    /// to serve <paramref name="hash"/> of its history again, and waits for its answer.
    /// </summary>
    /// <param name="nodeId">The node id.</param>
    /// <param name="hash">The configuration to serve again (one the node served: <c>history</c> capability).</param>
    /// <param name="reason">Why, for the node's log and history.</param>
    /// <param name="actor">Who asks, for example <c>control-plane:&lt;rollout id&gt;</c>; default <c>control-plane</c>.</param>
    /// <param name="cancellationToken">Stops waiting (the request may still be executed).</param>
    /// <returns>The answer; <see cref="DataPlaneRollbackStatus.TimedOut"/> when none came within <see cref="DataPlaneHubOptions.WriteTimeout"/> twice over.</returns>
    Task<DataPlaneRollbackResult> RollbackAsync(string nodeId, string hash, string? reason, string? actor, CancellationToken cancellationToken = default);
}
