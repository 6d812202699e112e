using YarpConfigValidator = Yarp.ReverseProxy.Configuration.IConfigValidator;

namespace Resilience.Yarp;

/// <summary>
/// The data plane's validator for YARP gateways: parses the configuration once into routes and clusters (kept on
/// the snapshot) and runs YARP's own route and cluster validators on every one of them, collecting every error,
/// so a configuration YARP would refuse never replaces the served one.
/// </summary>
internal sealed class ReverseProxyConfigValidator(YarpConfigValidator yarpValidator) : IConfigValidator
{
    /// <summary>Stops listing errors here: a broken document can have one per route, and the reason travels to the control plane.</summary>
    internal const int MaxErrors = 100;

    public async ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!ReverseProxyConfigParser.TryParse(payload.Span, out var config, out var error))
        {
            return ConfigValidationResult.Invalid(error!);
        }

        var errors = new List<string>();
        var clusterIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in config.Clusters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var problem in await yarpValidator.ValidateClusterAsync(cluster).ConfigureAwait(false))
            {
                errors.Add($"cluster '{cluster.ClusterId}': {problem.Message}");
            }

            if (!string.IsNullOrEmpty(cluster.ClusterId))
            {
                clusterIds.Add(cluster.ClusterId);
            }
        }

        foreach (var route in config.Routes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var problem in await yarpValidator.ValidateRouteAsync(route).ConfigureAwait(false))
            {
                errors.Add($"route '{route.RouteId}': {problem.Message}");
            }

            // YARP accepts a route whose cluster is missing and answers its requests with 503; a gateway config
            // that names a cluster it does not define is a mistake to refuse before it is served.
            if (route.ClusterId is { Length: > 0 } clusterId && !clusterIds.Contains(clusterId))
            {
                errors.Add($"route '{route.RouteId}': unknown cluster '{clusterId}'");
            }
        }

        if (errors.Count > MaxErrors)
        {
            var total = errors.Count;
            errors.RemoveRange(MaxErrors, total - MaxErrors);
            errors.Add($"... and {total - MaxErrors} more errors");
        }

        return errors.Count == 0 ? ConfigValidationResult.Valid(config) : ConfigValidationResult.Invalid(errors);
    }
}
