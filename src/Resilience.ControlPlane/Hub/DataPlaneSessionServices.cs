using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>
/// What a data plane's session works with, handed to it by the hub that accepts the connection (as Polly hands a
/// strategy its clock and telemetry): the session and its telemetry intake never reach back into the hub.
/// </summary>
/// <param name="Options">The hub's options (timeouts, limits, queue capacity).</param>
/// <param name="Time">The clock of timeouts, the watchdog and the registry's times.</param>
/// <param name="Logger">Where the session logs.</param>
/// <param name="Metrics">The hub's instruments.</param>
/// <param name="Registry">The registry the session keeps its node's entry in.</param>
/// <param name="Publisher">The latest configuration and licence, to send.</param>
/// <param name="Deltas">The recent configurations and the deltas between them, when deltas are on.</param>
/// <param name="ConfigSends">The turns sessions take to write a configuration.</param>
/// <param name="Sessions">Where a session that said hello registers (and replaces the node's older one).</param>
/// <param name="Hub">Commands to one node (a rollout's rollback by hash goes through it, as an operator tool's would).</param>
/// <param name="TelemetryHandlers">Who gets each telemetry batch raw.</param>
/// <param name="UsageSinks">Who gets each telemetry batch parsed.</param>
/// <param name="Targets">Which configuration each node should serve (the latest publish, or its wave's during a rollout).</param>
/// <param name="Rollouts">What the rollouts learn from the sessions (connections, apply results, heartbeats).</param>
/// <param name="Stopping">Fires when the application stops: every session closes with 1001.</param>
internal sealed record DataPlaneSessionServices(
    DataPlaneHubOptions Options,
    TimeProvider Time,
    ILogger Logger,
    ControlPlaneMetrics Metrics,
    DataPlaneRegistry Registry,
    IConfigPublisher Publisher,
    ConfigDeltas? Deltas,
    ConfigSendSlots ConfigSends,
    IDataPlaneSessions Sessions,
    IDataPlaneHub Hub,
    IReadOnlyList<IDataPlaneTelemetryHandler> TelemetryHandlers,
    IReadOnlyList<IDataPlaneUsageSink> UsageSinks,
    ConfigTargets Targets,
    RolloutNodeTracker Rollouts,
    CancellationToken Stopping);

/// <summary>The sessions by node id: one per node, a newer connection replaces the older.</summary>
internal interface IDataPlaneSessions
{
    /// <summary>Registers a session that said hello; returns the one it replaces, if any.</summary>
    DataPlaneSession? Attach(string nodeId, DataPlaneSession session);

    /// <summary>Removes a session unless a newer one replaced it; returns whether it was removed.</summary>
    bool Detach(string nodeId, DataPlaneSession session);
}
