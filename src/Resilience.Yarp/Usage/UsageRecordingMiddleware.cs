using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Resilience.Yarp;

/// <summary>
/// Records one <see cref="UsageRecord"/> per proxied request (cluster, route, status, latency, body sizes). The ids
/// are strings YARP already holds, so the record itself allocates nothing. Body sizes are the declared
/// <c>Content-Length</c>s (0 for chunked bodies): counting streamed bytes would wrap every body stream. A request YARP
/// could not forward, or whose response it could not relay whole, is marked a forwarding error (it counts as failed for the
/// bake and the heartbeats' health, whatever its status code).
/// </summary>
internal sealed class UsageRecordingMiddleware(RequestDelegate next, IUsageRecorder recorder)
{
    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var forwarding = next(context);
        if (forwarding.IsCompletedSuccessfully)
        {
            Record(context, started);
            return Task.CompletedTask;
        }

        return AwaitAndRecordAsync(forwarding, context, started);
    }

    private async Task AwaitAndRecordAsync(Task forwarding, HttpContext context, long started)
    {
        try
        {
            await forwarding.ConfigureAwait(false);
        }
        finally
        {
            Record(context, started);
        }
    }

    private void Record(HttpContext context, long started)
    {
        var feature = context.GetReverseProxyFeature();
        recorder.Record(new UsageRecord(
            feature.Cluster?.Config.ClusterId,
            feature.Route.Config.RouteId,
            consumer: null,
            context.Response.StatusCode,
            Stopwatch.GetElapsedTime(started),
            context.Request.ContentLength ?? 0,
            context.Response.ContentLength ?? 0)
        {
            IsForwardingError = context.Features.Get<IForwarderErrorFeature>() is not null,
        });
    }
}
