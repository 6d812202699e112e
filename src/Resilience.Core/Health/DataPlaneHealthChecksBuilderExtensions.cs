using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the data plane's health check.</summary>
public static class DataPlaneHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check that is healthy when a configuration is served, degraded when the control-plane
    /// link has been down too long or the configuration is too old (see <see cref="DataPlaneHealthOptions"/>),
    /// and unhealthy when nothing is served.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags, for example <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddDataPlaneCheck(this IHealthChecksBuilder builder, string name = "data-plane", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DataPlaneHealthOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneHealthOptions>, DataPlaneHealthOptionsValidator>());
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => ActivatorUtilities.CreateInstance<DataPlaneHealthCheck>(sp),
            HealthStatus.Unhealthy,
            tags));
    }
}
