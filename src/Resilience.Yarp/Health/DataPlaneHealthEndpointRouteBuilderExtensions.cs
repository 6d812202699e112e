using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps liveness and readiness probes for a gateway fed by the data plane.</summary>
public static class DataPlaneHealthEndpointRouteBuilderExtensions
{
    /// <summary>The tag of readiness checks: <c>ready</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The tag of liveness checks: <c>live</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Maps liveness at <paramref name="livenessPattern"/> (checks tagged <c>live</c> only; with none, healthy while
    /// the process answers) and readiness at <paramref name="readinessPattern"/> (checks tagged <c>ready</c>, such as
    /// <c>AddDataPlaneRoutingCheck()</c> and <c>AddDataPlaneCheck(tags: ["ready"])</c>). Liveness never fails because
    /// nothing is served: a new node during a control-plane outage must wait for a configuration, not be restarted
    /// in a loop by its orchestrator. Both answer JSON (<see cref="Resilience.Yarp.DataPlaneHealthResponseWriter"/>): the
    /// status, the serving tier, the served configuration's hash and age, the link, the last apply result and the checks
    /// that ran; 200 for healthy and degraded, 503 for unhealthy.
    /// </summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <param name="livenessPattern">The liveness path; default <c>/healthz</c>.</param>
    /// <param name="readinessPattern">The readiness path; default <c>/healthz/ready</c>.</param>
    /// <returns>The endpoints.</returns>
    public static IEndpointRouteBuilder MapDataPlaneHealthChecks(this IEndpointRouteBuilder endpoints, string livenessPattern = "/healthz", string readinessPattern = "/healthz/ready")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks(livenessPattern, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag), ResponseWriter = Resilience.Yarp.DataPlaneHealthResponseWriter.WriteAsync });
        endpoints.MapHealthChecks(readinessPattern, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = Resilience.Yarp.DataPlaneHealthResponseWriter.WriteAsync });
        return endpoints;
    }
}
