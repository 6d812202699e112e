using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The rollouts' log lines: event ids 6200-6249.</summary>
internal static partial class RolloutLog
{
    [LoggerMessage(6200, LogLevel.Information, "Rollout {RolloutId} of configuration {Hash} (version {Version}) started: {Waves}; the others keep {Stable}.")]
    public static partial void Started(ILogger logger, string rolloutId, string hash, string? version, string waves, string? stable);

    [LoggerMessage(6201, LogLevel.Information, "Rollout {RolloutId}: {Wave} started; {Count} node(s) get configuration {Hash}.")]
    public static partial void WaveStarted(ILogger logger, string rolloutId, string wave, int count, string hash);

    [LoggerMessage(6202, LogLevel.Information, "Rollout {RolloutId}: every node of {Wave} serves it; baking for {BakeTime}.")]
    public static partial void BakeStarted(ILogger logger, string rolloutId, string wave, TimeSpan bakeTime);

    [LoggerMessage(6203, LogLevel.Information, "Rollout {RolloutId}: {Wave} passed its gates.")]
    public static partial void WavePassed(ILogger logger, string rolloutId, string wave);

    [LoggerMessage(6204, LogLevel.Information, "Rollout {RolloutId} completed: configuration {Hash} is the fleet's stable configuration.")]
    public static partial void Completed(ILogger logger, string rolloutId, string hash);

    [LoggerMessage(6205, LogLevel.Warning, "Rollout {RolloutId} halted: {Reason}. Rolling the nodes that got {Hash} back to {Stable}.")]
    public static partial void Halted(ILogger logger, string rolloutId, string reason, string hash, string? stable);

    [LoggerMessage(6206, LogLevel.Warning, "Rollout {RolloutId} ended {Phase}: {Reason}. No node of it serves {Hash} any more.")]
    public static partial void RollbackCompleted(ILogger logger, string rolloutId, RolloutPhase phase, string? reason, string hash);

    [LoggerMessage(6207, LogLevel.Information, "Rollout {RolloutId} paused by {Actor}: {Reason}.")]
    public static partial void Paused(ILogger logger, string rolloutId, string? actor, string? reason);

    [LoggerMessage(6208, LogLevel.Information, "Rollout {RolloutId} resumed by {Actor}.")]
    public static partial void Resumed(ILogger logger, string rolloutId, string? actor);

    [LoggerMessage(6209, LogLevel.Information, "Rollout {RolloutId}: {Wave} promoted by {Actor} without waiting for the rest of its bake.")]
    public static partial void Promoted(ILogger logger, string rolloutId, string wave, string? actor);

    [LoggerMessage(6210, LogLevel.Warning, "Rollout {RolloutId} aborted by {Actor}: {Reason}. Rolling the nodes that got {Hash} back.")]
    public static partial void Aborted(ILogger logger, string rolloutId, string? actor, string reason, string hash);

    [LoggerMessage(6211, LogLevel.Information, "Rollout {RolloutId} of {Hash} was superseded by the publish of {Latest}.")]
    public static partial void Superseded(ILogger logger, string rolloutId, string hash, string latest);

    [LoggerMessage(6212, LogLevel.Warning, "Refused to publish {Hash}: rollout {RolloutId} runs and publishes are refused meanwhile (DataPlaneHub:Rollouts:WhenRunning = Refuse).")]
    public static partial void PublishRefused(ILogger logger, string hash, string rolloutId);

    [LoggerMessage(6213, LogLevel.Warning, "Rollout {RolloutId} cannot move on: the backplane cannot be reached ({Why}). It is paused until the backplane is back; nodes keep serving what they serve.")]
    public static partial void BackplaneUnavailable(ILogger logger, string? rolloutId, string why);

    [LoggerMessage(6214, LogLevel.Information, "Rollouts: the backplane is reachable again; rollout {RolloutId} moves on.")]
    public static partial void BackplaneAvailable(ILogger logger, string? rolloutId);

    [LoggerMessage(6215, LogLevel.Information, "Rollout {RolloutId}: asked data plane {NodeId} to go back to {Hash} ({How}).")]
    public static partial void NodeSentBack(ILogger logger, string rolloutId, string nodeId, string hash, string how);

    [LoggerMessage(6216, LogLevel.Information, "Replica {ReplicaId} drives rollouts now.")]
    public static partial void Leading(ILogger logger, string replicaId);

    [LoggerMessage(6217, LogLevel.Error, "The rollout driver failed; it retries at the next interval.")]
    public static partial void DriverFailed(ILogger logger, Exception exception);

    [LoggerMessage(6218, LogLevel.Warning, "Rollout {RolloutId} of a completed configuration {Hash} is being rolled back by {Actor}: {Reason}. Every node goes back to {Stable}.")]
    public static partial void CompletedRolledBack(ILogger logger, string rolloutId, string hash, string? actor, string reason, string? stable);

    [LoggerMessage(6219, LogLevel.Warning, "The backplane holds {What} that cannot be read: {Why}. It is ignored.")]
    public static partial void InvalidStoredState(ILogger logger, string what, string why);

    [LoggerMessage(6220, LogLevel.Warning, "The backplane had lost rollout {RolloutId}; wrote back what this replica knows (version {Version}).")]
    public static partial void Restored(ILogger logger, string rolloutId, long version);

    [LoggerMessage(6221, LogLevel.Error, "Rollout {RolloutId}: sending data plane {NodeId} back to {Hash} by hash failed unexpectedly; it gets the configuration's payload instead.")]
    public static partial void RollbackByHashFailed(ILogger logger, string rolloutId, string nodeId, string hash, Exception exception);
}
