using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// The data plane's validator for YARP gateways: parses the configuration once into routes and clusters (kept on
/// the snapshot) and runs YARP's own route and cluster validators on every one of them that has not passed them
/// already, collecting every error, so a configuration YARP would refuse never replaces the served one.
/// </summary>
/// <remarks>
/// Routes and clusters whose bytes equal the served configuration's are the served instances (see
/// <see cref="ReverseProxyConfigParser"/>); those passed YARP's validators when they were first seen, and YARP's
/// validators depend on nothing but the instance and the policies registered at start-up, so they are not run
/// again. A changed route is a new instance and is validated in full.
/// </remarks>
internal sealed class ReverseProxyConfigValidator(IConfigValidator yarpValidator, ProxyConfigReuse reuse, ILogger<ReverseProxyConfigValidator> logger) : IDataPlaneConfigValidator
{
    /// <summary>Stops listing errors here: a broken document can have one per route, and the reason travels to the control plane.</summary>
    internal const int MaxErrors = 100;

    // YARP's own validator, not the reload's decorator: which instances have passed is decided here.
    private readonly IConfigValidator _yarpValidator = yarpValidator is ValidatedOnceConfigValidator once ? once.Inner : yarpValidator;

    public async ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!ReverseProxyConfigParser.TryParse(payload.Span, reuse.Baseline, out var config, out var error))
        {
            return ConfigValidationResult.Invalid(error!);
        }

        var errors = new List<string>();
        int validatedRoutes = 0, validatedClusters = 0;
        var clusterIds = new HashSet<string>(config.Clusters.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var cluster in config.Clusters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!reuse.IsValidated(cluster))
            {
                validatedClusters++;
                var problems = await _yarpValidator.ValidateClusterAsync(cluster).ConfigureAwait(false);
                foreach (var problem in problems)
                {
                    errors.Add($"cluster '{cluster.ClusterId}': {problem.Message}");
                }

                if (problems.Count == 0)
                {
                    reuse.Validated(cluster);
                }
            }

            if (!string.IsNullOrEmpty(cluster.ClusterId))
            {
                clusterIds.Add(cluster.ClusterId);
            }
        }

        foreach (var route in config.Routes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!reuse.IsValidated(route))
            {
                validatedRoutes++;
                var problems = await _yarpValidator.ValidateRouteAsync(route).ConfigureAwait(false);
                foreach (var problem in problems)
                {
                    errors.Add($"route '{route.RouteId}': {problem.Message}");
                }

                if (problems.Count == 0)
                {
                    reuse.Validated(route);
                }
            }

            // YARP accepts a route whose cluster is missing and answers its requests with 503; a gateway config
            // that names a cluster it does not define is a mistake to refuse before it is served.
            if (route.ClusterId is { Length: > 0 } clusterId && !clusterIds.Contains(clusterId))
            {
                errors.Add($"route '{route.RouteId}': unknown cluster '{clusterId}'");
            }
        }

        Log.ConfigValidated(logger, config.Routes.Count, config.Sources?.ReusedRoutes ?? 0, validatedRoutes, config.Clusters.Count, config.Sources?.ReusedClusters ?? 0, validatedClusters, errors.Count);
        if (errors.Count > MaxErrors)
        {
            var total = errors.Count;
            errors.RemoveRange(MaxErrors, total - MaxErrors);
            errors.Add($"... and {total - MaxErrors} more errors");
        }

        return errors.Count == 0 ? ConfigValidationResult.Valid(config) : ConfigValidationResult.Invalid(errors);
    }
}
