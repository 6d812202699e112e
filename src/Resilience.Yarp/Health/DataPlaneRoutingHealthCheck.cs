using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resilience.Yarp;

/// <summary>
/// Readiness for a load balancer: the data plane serves a configuration and YARP already routes with it (the
/// applied revision), so a node never takes traffic it would answer from an older or empty route table.
/// </summary>
internal sealed class DataPlaneRoutingHealthCheck(IDataPlane dataPlane, AppliedProxyRevision proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var served = dataPlane.Current?.Hash;
        var routing = proxy.Current;
        var data = new Dictionary<string, object> { ["served"] = served ?? "nothing", ["routing"] = routing ?? "nothing" };
        return Task.FromResult(served is not null && served == routing
            ? HealthCheckResult.Healthy($"YARP routes with {served[..12]}.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"YARP routes with {routing ?? "nothing"}, the data plane serves {served ?? "nothing"}.", data: data));
    }
}
