using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resilience.Yarp;

/// <summary>
/// Readiness for a load balancer: the data plane serves a configuration, YARP already routes with it (the applied
/// revision), and it carries YARP routes, so a node never takes traffic it would answer from an older or empty route
/// table (every request a 404).
/// </summary>
internal sealed class DataPlaneRoutingHealthCheck(IDataPlane dataPlane, AppliedProxyRevision proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = dataPlane.Current;
        var served = snapshot?.Hash;
        var routing = proxy.Current;
        var routes = (snapshot?.Model as ReverseProxyConfig)?.Routes.Count ?? 0;
        var data = new Dictionary<string, object> { ["served"] = served ?? "nothing", ["routing"] = routing ?? "nothing", ["routes"] = routes };
        if (served is null || served != routing)
        {
            return Unready($"YARP routes with {routing ?? "nothing"}, the data plane serves {served ?? "nothing"}.");
        }

        if (snapshot!.Model is not ReverseProxyConfig)
        {
            // Another validator, registered before LoadFromDataPlane(), returned its model first (event 7003).
            return Unready($"YARP routes with none of {served[..12]}: the served configuration carries no YARP routes (another validator's model was kept; see event 7003).");
        }

        return routes == 0
            ? Unready($"YARP routes with none of {served[..12]}: it has no routes.")
            : Task.FromResult(HealthCheckResult.Healthy($"YARP routes with {served[..12]} ({routes} routes).", data));

        Task<HealthCheckResult> Unready(string description) =>
            Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, description, data: data));
    }
}
