using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Resilience.Yarp;
using Yarp.ReverseProxy.Model;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Records usage for every request YARP proxies.</summary>
public static class UsageRecordingReverseProxyExtensions
{
    /// <summary>
    /// Adds the step that records one <see cref="Resilience.UsageRecord"/> per proxied request (route and cluster
    /// ids, status, latency, body sizes) through <see cref="Resilience.IUsageRecorder"/>. A custom pipeline replaces
    /// YARP's default one: add YARP's steps after it, or use <see cref="MapReverseProxyWithUsageRecording"/>.
    /// </summary>
    /// <param name="proxy">The proxy pipeline.</param>
    /// <returns>The pipeline.</returns>
    public static IReverseProxyApplicationBuilder UseUsageRecording(this IReverseProxyApplicationBuilder proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.UseMiddleware<UsageRecordingMiddleware>();
        return proxy;
    }

    /// <summary>
    /// Maps YARP's proxy with its default pipeline (session affinity, load balancing, passive health checks) and
    /// usage recording in front of it: one <see cref="Resilience.UsageRecord"/> per proxied request. While the data
    /// plane serves nothing, requests get 503 with <c>Retry-After</c> instead of 404 (<see cref="DataPlaneUnavailableEndpointRouteBuilderExtensions.MapDataPlaneUnavailable"/>).
    /// </summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <returns>The proxy endpoints' convention builder.</returns>
    public static ReverseProxyConventionBuilder MapReverseProxyWithUsageRecording(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapDataPlaneUnavailable();
        return endpoints.MapReverseProxy(proxy =>
        {
            proxy.UseUsageRecording();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
    }
}
