using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resilience;

/// <summary>
/// A host's own signal for the bake (<c>Resilience:Bake</c>): asked every second while a configuration from the control
/// plane bakes. <see cref="HealthStatus.Unhealthy"/> fails the bake at once (the node goes back to the configuration it
/// served before); healthy or degraded decides nothing. An exception or an answer slower than 5 s is logged and decides
/// nothing. Register with <c>AddConfigHealthProbe&lt;T&gt;()</c>.
/// </summary>
public interface IConfigHealthProbe
{
    /// <summary>Checks the configuration being baked.</summary>
    /// <param name="snapshot">The configuration being baked (served now).</param>
    /// <param name="cancellationToken">Cancelled when the check takes too long or the node stops.</param>
    /// <returns>The verdict; its description becomes the bake's reason when it is unhealthy.</returns>
    ValueTask<HealthCheckResult> CheckAsync(ConfigSnapshot snapshot, CancellationToken cancellationToken);
}
