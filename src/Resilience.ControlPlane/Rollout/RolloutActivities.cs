using System.Diagnostics;

namespace Resilience.ControlPlane;

/// <summary>
/// The rollouts' spans on the <see cref="ControlPlaneTelemetry.ActivitySourceName"/> source: one short span per step a
/// rollout takes (started, wave started, wave passed, halted, rolled back, completed, an operator's action), tagged with
/// the rollout, the configuration and the wave, so a trace backend shows a rollout as the sequence of its steps.
/// </summary>
internal static class RolloutActivities
{
    public const string RolloutTag = "resilience.rollout.id";
    public const string WaveTag = "resilience.rollout.wave";
    public const string PhaseTag = "resilience.rollout.phase";
    public const string ReasonTag = "resilience.rollout.reason";
    public const string ActorTag = "resilience.rollout.actor";

    public static void Record(RolloutRecord record, RolloutEvent change)
    {
        if (!BackplaneActivities.Source.HasListeners())
        {
            return;
        }

        using var activity = BackplaneActivities.Source.StartActivity(Name(change.Kind), ActivityKind.Internal);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(RolloutTag, record.Id);
        activity.SetTag(BackplaneActivities.HashTag, record.Candidate.Hash);
        activity.SetTag(WaveTag, change.Wave);
        activity.SetTag(PhaseTag, record.PublicPhase.ToString());
        if (change.Detail is { } detail)
        {
            activity.SetTag(ReasonTag, detail);
        }

        if (change.Actor is { } actor)
        {
            activity.SetTag(ActorTag, actor);
        }

        if (change.Kind is RolloutEventKind.Halted or RolloutEventKind.Aborted)
        {
            activity.SetStatus(ActivityStatusCode.Error, change.Detail);
        }
    }

    private static string Name(RolloutEventKind kind) => kind switch
    {
        RolloutEventKind.WaveStarted => "resilience.rollout.wave_started",
        RolloutEventKind.BakeStarted => "resilience.rollout.bake_started",
        RolloutEventKind.WavePassed => "resilience.rollout.wave_passed",
        RolloutEventKind.Halted => "resilience.rollout.halted",
        RolloutEventKind.RollbackCompleted => "resilience.rollout.rolled_back",
        RolloutEventKind.Completed => "resilience.rollout.completed",
        RolloutEventKind.Paused => "resilience.rollout.paused",
        RolloutEventKind.Resumed => "resilience.rollout.resumed",
        RolloutEventKind.Promoted => "resilience.rollout.promoted",
        RolloutEventKind.Aborted => "resilience.rollout.aborted",
        _ => "resilience.rollout.superseded",
    };
}
