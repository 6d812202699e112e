using Microsoft.Extensions.Diagnostics.HealthChecks;
using Resilience.Yarp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the readiness check of a YARP gateway fed by the data plane.</summary>
public static class DataPlaneRoutingHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is healthy once YARP routes with the configuration the data plane serves (the applied
    /// revision) and unhealthy while nothing is served or YARP has not reloaded yet. Tagged <c>ready</c> by default:
    /// a readiness check. Do not use it for liveness; a node with nothing to serve is not broken, and restarting it
    /// during a control-plane outage does not help (see <c>MapDataPlaneHealthChecks</c>).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags; default <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddDataPlaneRoutingCheck(this IHealthChecksBuilder builder, string name = "data-plane-routing", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => (IHealthCheck)ActivatorUtilities.CreateInstance<DataPlaneRoutingHealthCheck>(sp),
            HealthStatus.Unhealthy,
            tags ?? [Microsoft.AspNetCore.Builder.DataPlaneHealthEndpointRouteBuilderExtensions.ReadyTag]));
    }
}
