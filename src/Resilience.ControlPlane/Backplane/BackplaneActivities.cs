using System.Diagnostics;

namespace Resilience.ControlPlane;

/// <summary>
/// The backplane's spans on the <see cref="ControlPlaneTelemetry.ActivitySourceName"/> source. Static, as the data plane's
/// source is: it holds no state of ours and costs nothing while no listener samples it.
/// </summary>
internal static class BackplaneActivities
{
    public const string Publish = "resilience.backplane.publish";
    public const string Receive = "resilience.backplane.receive";
    public const string HashTag = "resilience.config.hash";
    public const string RevisionTag = "resilience.backplane.revision";
    public const string OutcomeTag = "resilience.backplane.outcome";

    public static readonly ActivitySource Source = new(ControlPlaneTelemetry.ActivitySourceName);

    public static Activity? StartPublish(string hash)
    {
        var activity = Source.StartActivity(Publish, ActivityKind.Producer);
        activity?.SetTag(HashTag, hash);
        return activity;
    }

    public static Activity? StartReceive(long revision)
    {
        var activity = Source.StartActivity(Receive, ActivityKind.Consumer);
        if (revision > 0)
        {
            activity?.SetTag(RevisionTag, revision);
        }

        return activity;
    }
}
