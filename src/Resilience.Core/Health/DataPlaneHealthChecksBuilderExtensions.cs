using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the data plane's health check.</summary>
public static class DataPlaneHealthChecksBuilderExtensions
{
    /// <summary>The check's name when none is given.</summary>
    public const string DefaultName = "data-plane";

    /// <summary>Adds the data plane's check with a name and tags (kept for callers that pass both positionally).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="tags">Tags, for example <c>ready</c>.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddDataPlaneCheck(this IHealthChecksBuilder builder, string name, IEnumerable<string> tags)
        => builder.AddDataPlaneCheck(name, failureStatus: null, tags, timeout: null);

    /// <summary>
    /// Adds the data plane's check, with the parameters of the framework's own <c>AddCheck</c>: healthy when a
    /// configuration is served, degraded when the link has been down too long or the configuration is too old
    /// (see <see cref="DataPlaneHealthOptions"/>), and <paramref name="failureStatus"/> when nothing is served.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when nothing is served; <see langword="null"/> is <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags, for example <c>ready</c>.</param>
    /// <param name="timeout">How long the check may run; <see langword="null"/> for the health check service's default.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddDataPlaneCheck(this IHealthChecksBuilder builder, string name = DefaultName, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.AddOptions<DataPlaneHealthOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DataPlaneHealthOptions>, DataPlaneHealthOptionsValidator>());
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => ActivatorUtilities.CreateInstance<DataPlaneHealthCheck>(sp),
            failureStatus,
            tags,
            timeout));
    }
}
