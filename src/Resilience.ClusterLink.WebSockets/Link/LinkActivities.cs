using System.Diagnostics;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// The link's spans, on the data plane's activity source (<see cref="DataPlaneTelemetry.ActivitySourceName"/>): a listener
/// that samples the chain's spans samples these too. Static for the reason Core's source is: it holds no state of
/// ours and a source per DI container would publish the same name twice.
/// </summary>
internal static class LinkActivities
{
    public const string Connect = "resilience.link.connect";
    public const string EndpointTag = "resilience.link.endpoint";

    private static readonly ActivitySource Source = new(DataPlaneTelemetry.ActivitySourceName);

    /// <summary>Starts the span of one connection attempt (null while nobody listens).</summary>
    public static Activity? StartConnect(Uri endpoint)
    {
        var activity = Source.StartActivity(Connect);
        activity?.SetTag(EndpointTag, ClusterLinkEndpoint.Display(endpoint));
        return activity;
    }

    /// <summary>Ends a span as failed, the way OpenTelemetry's semantic conventions record an error.</summary>
    public static void Failed(this Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
