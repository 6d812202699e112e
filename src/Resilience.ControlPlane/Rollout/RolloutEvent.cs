namespace Resilience.ControlPlane;

/// <summary>Something a step of the engine did, for logs, metrics and traces; <paramref name="Actor"/> is set when an operator asked for it.</summary>
internal sealed record RolloutEvent(RolloutEventKind Kind, int Wave, string? Detail = null, string? Actor = null);

/// <summary>The kinds of <see cref="RolloutEvent"/>.</summary>
internal enum RolloutEventKind
{
    WaveStarted,
    BakeStarted,
    WavePassed,
    Halted,
    RollbackCompleted,
    Completed,
    Paused,
    Resumed,
    Promoted,
    Aborted,
    Superseded,
}
