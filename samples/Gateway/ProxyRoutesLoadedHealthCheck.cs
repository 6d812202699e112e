using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resilience.Samples.Gateway;

/// <summary>
/// Readiness for a load balancer: the data plane serves a configuration and YARP already routes with it.
/// Between the data plane's swap and YARP's reload (milliseconds) requests could miss new routes.
/// </summary>
public sealed class ProxyRoutesLoadedHealthCheck(IDataPlane dataPlane, AppliedProxyRevision proxy) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var served = dataPlane.Current?.Hash;
        return Task.FromResult(served is not null && served == proxy.Current
            ? HealthCheckResult.Healthy($"YARP routes with {served[..12]}.")
            : new HealthCheckResult(context.Registration.FailureStatus, $"YARP routes with {proxy.Current ?? "nothing"}, the data plane serves {served ?? "nothing"}."));
    }
}
