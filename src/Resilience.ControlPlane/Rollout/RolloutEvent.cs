namespace Resilience.ControlPlane;

/// <summary>Something a step of the engine did, for logs, metrics and traces.</summary>
internal sealed record RolloutEvent(RolloutEventKind Kind, int Wave, string? Detail = null);

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
