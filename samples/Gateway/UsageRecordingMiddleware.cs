using System.Diagnostics;
using Yarp.ReverseProxy.Model;

namespace Resilience.Samples.Gateway;

/// <summary>
/// Records one usage record per proxied request (route, cluster, status, latency, body sizes) for the
/// control plane's analytics. The ids are strings YARP already holds, so recording allocates nothing.
/// </summary>
public static class UsageRecordingMiddleware
{
    /// <summary>YARP's default proxy pipeline with the recording step around it.</summary>
    /// <param name="proxy">The proxy pipeline.</param>
    public static void UseUsageRecording(this IReverseProxyApplicationBuilder proxy)
    {
        // A custom pipeline replaces YARP's default one, so its steps are added back after ours.
        var recorder = proxy.ApplicationServices.GetRequiredService<IUsageRecorder>();
        proxy.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            await next();
            var feature = context.GetReverseProxyFeature();
            recorder.Record(new UsageRecord(
                feature.Cluster?.Config.ClusterId,
                feature.Route.Config.RouteId,
                consumer: null,
                context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started),
                context.Request.ContentLength ?? 0,
                context.Response.ContentLength ?? 0));
        });
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
    }
}
