namespace Resilience.ControlPlane;

/// <summary>
/// The operators' handle on staged rollouts (started by <see cref="IConfigPublisher.PublishAsync"/>
/// with a plan): the current rollout's status, and pause, resume, promote now, abort and roll back. With replicas
/// every replica answers for the fleet and any replica's action applies to the one rollout.
/// </summary>
public interface IConfigRollouts
{
    /// <summary>Gets the current rollout (running, or the last one that ended), with its waves, nodes and gates.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status, or <see langword="null"/> when no rollout was ever started.</returns>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached and this replica knows of no rollout.</exception>
    ValueTask<RolloutStatus?> GetCurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops promoting waves until <see cref="ResumeAsync"/>; a failed gate still halts and rolls back.</summary>
    /// <param name="reason">Why, for the status and the log.</param>
    /// <param name="actor">Who asks, for the status and the log.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rollout's status after the change.</returns>
    /// <exception cref="RolloutOperationException">No rollout runs.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing changed.</exception>
    ValueTask<RolloutStatus> PauseAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>Lets a paused rollout promote again.</summary>
    /// <param name="actor">Who asks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rollout's status after the change.</returns>
    /// <exception cref="RolloutOperationException">No rollout runs.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing changed.</exception>
    ValueTask<RolloutStatus> ResumeAsync(string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>Ends the current wave's bake now and starts the next wave (after the last: completes the rollout).</summary>
    /// <param name="actor">Who asks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rollout's status after the change.</returns>
    /// <exception cref="RolloutOperationException">No rollout runs.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing changed.</exception>
    ValueTask<RolloutStatus> PromoteAsync(string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>Stops a running rollout: the nodes that got its configuration go back to the stable one (by hash, from their history) and it ends <see cref="RolloutPhase.Aborted"/>.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who asks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rollout's status after the change.</returns>
    /// <exception cref="RolloutOperationException">No rollout runs.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing changed.</exception>
    ValueTask<RolloutStatus> AbortAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rolls the current rollout back, as a failed gate does: a running one halts and its nodes go back to the stable
    /// configuration; a completed one (when nothing newer was published) sends every node back to the stable
    /// configuration from before it, which becomes the fleet's stable one again. It ends <see cref="RolloutPhase.RolledBack"/>.
    /// </summary>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who asks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The rollout's status after the change.</returns>
    /// <exception cref="RolloutOperationException">No rollout runs or completed last, or something newer was published since.</exception>
    /// <exception cref="ControlPlaneBackplaneException">Replicas only: the backplane cannot be reached; nothing changed.</exception>
    ValueTask<RolloutStatus> RollBackAsync(string? reason = null, string? actor = null, CancellationToken cancellationToken = default);
}
