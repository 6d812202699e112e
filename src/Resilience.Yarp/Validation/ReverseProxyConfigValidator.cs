using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// The data plane's validator for YARP gateways: parses the configuration once into the routes and clusters YARP's own
/// loader would build (kept on the snapshot), runs YARP's <see cref="IProxyConfigFilter"/>s on them and YARP's route
/// and cluster validators on the result, as YARP's own reload does, and collects every error, so a configuration YARP
/// would refuse never replaces the served one. A few deliberate rules (<see cref="StricterRules"/>) refuse documents
/// YARP would serve badly.
/// </summary>
/// <remarks>
/// Routes and clusters whose bytes equal the served configuration's are the served instances (see
/// <see cref="ReverseProxyConfigParser"/>); those passed YARP's validators when they were first seen, and YARP's
/// validators depend on nothing but the instance and the policies registered at start-up, so they are not run
/// again. A changed route is a new instance and is validated in full. The snapshot keeps the routes as the document
/// says (YARP's reload runs the filters itself, on every reload); what the filters return is what gets validated.
/// </remarks>
internal sealed class ReverseProxyConfigValidator(
    IConfigValidator yarpValidator,
    IEnumerable<IProxyConfigFilter> filters,
    ProxyConfigReuse reuse,
    ILogger<ReverseProxyConfigValidator> logger) : IDataPlaneConfigValidator
{
    /// <summary>Stops listing errors here: a broken document can have one per route, and the reason travels to the control plane.</summary>
    internal const int MaxErrors = 100;

    // YARP's own validator, not the reload's decorator: which instances have passed is decided here.
    private readonly IConfigValidator _yarpValidator = yarpValidator is ValidatedOnceConfigValidator once ? once.Inner : yarpValidator;
    private readonly IProxyConfigFilter[] _filters = [.. filters];

    public async ValueTask<ConfigValidationResult> ValidateAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!ReverseProxyConfigParser.TryParse(payload.Span, reuse.Baseline, out var config, out var error))
        {
            return ConfigValidationResult.Invalid(error!);
        }

        var errors = new List<string>();
        var counts = new Counts();
        var clusters = await ValidateClustersAsync(config.Clusters, errors, counts, cancellationToken).ConfigureAwait(false);
        await ValidateRoutesAsync(config.Routes, clusters, errors, counts, cancellationToken).ConfigureAwait(false);
        if (config.Routes.Count == 0)
        {
            errors.Add(StricterRules.Refusal("the document defines no routes: YARP would serve it and route nothing", StricterRules.NoRoutes));
        }

        Log.ConfigValidated(logger, config.Routes.Count, config.Sources?.ReusedRoutes ?? 0, counts.Routes, config.Clusters.Count, config.Sources?.ReusedClusters ?? 0, counts.Clusters, errors.Count);
        if (errors.Count > MaxErrors)
        {
            var total = errors.Count;
            errors.RemoveRange(MaxErrors, total - MaxErrors);
            errors.Add($"... and {total - MaxErrors} more errors");
        }

        return errors.Count == 0 ? ConfigValidationResult.Valid(config) : ConfigValidationResult.Invalid(errors);
    }

    /// <summary>
    /// The clusters as YARP's reload sees them (<c>ProxyConfigManager.VerifyClustersAsync</c>): filtered, validated,
    /// keyed by id; <c>Configured</c> is empty when any cluster failed, as YARP then gives its route filters none.
    /// </summary>
    private async ValueTask<FilteredClusters> ValidateClustersAsync(IReadOnlyList<ClusterConfig> clusters, List<string> errors, Counts counts, CancellationToken cancellationToken)
    {
        var configured = new Dictionary<string, ClusterConfig>(clusters.Count, StringComparer.OrdinalIgnoreCase);
        var ids = new HashSet<string>(clusters.Count, StringComparer.OrdinalIgnoreCase);
        var failed = false;
        foreach (var raw in clusters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cluster = raw;
            if (_filters.Length != 0)
            {
                try
                {
                    foreach (var filter in _filters)
                    {
                        cluster = await filter.ConfigureClusterAsync(cluster, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors.Add($"cluster '{raw.ClusterId}': a configuration filter threw {ex.GetType().Name}: {ex.Message}");
                    failed = true;
                    continue;
                }
            }

            if (!string.IsNullOrEmpty(cluster.ClusterId))
            {
                ids.Add(cluster.ClusterId);
            }

            if (!await PassesYarpAsync(cluster, errors, counts).ConfigureAwait(false))
            {
                failed = true;
            }
            else if (!configured.TryAdd(cluster.ClusterId, cluster))
            {
                // Only a filter can rename a cluster onto another's id: the document's ids are unique.
                errors.Add($"cluster '{cluster.ClusterId}': duplicate cluster id after the configuration filters");
                failed = true;
            }
        }

        return new FilteredClusters(failed ? [] : configured, ids);
    }

    private async ValueTask ValidateRoutesAsync(IReadOnlyList<RouteConfig> routes, FilteredClusters clusters, List<string> errors, Counts counts, CancellationToken cancellationToken)
    {
        var seen = _filters.Length == 0 ? null : new HashSet<string>(routes.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var raw in routes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var route = raw;
            if (_filters.Length != 0)
            {
                try
                {
                    ClusterConfig? cluster = null;
                    if (route.ClusterId is not null)
                    {
                        clusters.Configured.TryGetValue(route.ClusterId, out cluster);
                    }

                    foreach (var filter in _filters)
                    {
                        route = await filter.ConfigureRouteAsync(route, cluster, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors.Add($"route '{raw.RouteId}': a configuration filter threw {ex.GetType().Name}: {ex.Message}");
                    continue;
                }

                if (!seen!.Add(route.RouteId ?? string.Empty))
                {
                    errors.Add($"route '{route.RouteId}': duplicate route id after the configuration filters");
                    continue;
                }
            }

            await PassesYarpAsync(route, errors, counts).ConfigureAwait(false);

            // YARP accepts a route whose cluster is missing and answers its requests with 503; a gateway config
            // that names a cluster it does not define is a mistake to refuse before it is served.
            if (route.ClusterId is { Length: > 0 } clusterId && !clusters.Ids.Contains(clusterId))
            {
                errors.Add(StricterRules.Refusal($"route '{route.RouteId}': unknown cluster '{clusterId}'", StricterRules.UnknownCluster));
            }
        }
    }

    /// <summary>YARP's validators on a cluster that has not passed them yet.</summary>
    private async ValueTask<bool> PassesYarpAsync(ClusterConfig cluster, List<string> errors, Counts counts)
    {
        if (reuse.IsValidated(cluster))
        {
            return true;
        }

        counts.Clusters++;
        var problems = await _yarpValidator.ValidateClusterAsync(cluster).ConfigureAwait(false);
        foreach (var problem in problems)
        {
            errors.Add($"cluster '{cluster.ClusterId}': {problem.Message}");
        }

        if (problems.Count != 0)
        {
            return false;
        }

        reuse.Validated(cluster);
        return true;
    }

    /// <summary>YARP's validators, and what YARP's matcher refuses later, on a route that has not passed them yet.</summary>
    private async ValueTask PassesYarpAsync(RouteConfig route, List<string> errors, Counts counts)
    {
        if (reuse.IsValidated(route))
        {
            return;
        }

        counts.Routes++;
        var problems = await _yarpValidator.ValidateRouteAsync(route).ConfigureAwait(false);
        foreach (var problem in problems)
        {
            errors.Add($"route '{route.RouteId}': {problem.Message}");
        }

        var emptyValue = EmptyMatchValue(route);
        if (emptyValue is not null)
        {
            errors.Add(StricterRules.Refusal($"route '{route.RouteId}': {emptyValue} lists a null or empty value, which YARP's matcher refuses when it builds the route", StricterRules.EmptyMatchValue));
        }

        if (problems.Count == 0 && emptyValue is null)
        {
            reuse.Validated(route);
        }
    }

    private static string? EmptyMatchValue(RouteConfig route)
    {
        foreach (var header in route.Match?.Headers ?? [])
        {
            if (header?.Values is { } values && values.Any(string.IsNullOrEmpty))
            {
                return $"the header match '{header.Name}'";
            }
        }

        foreach (var parameter in route.Match?.QueryParameters ?? [])
        {
            if (parameter?.Values is { } values && values.Any(string.IsNullOrEmpty))
            {
                return $"the query parameter match '{parameter.Name}'";
            }
        }

        return null;
    }

    /// <summary>The clusters the route filters get (none when a cluster failed), and every cluster id for the unknown-cluster rule.</summary>
    private sealed record FilteredClusters(IReadOnlyDictionary<string, ClusterConfig> Configured, HashSet<string> Ids);

    /// <summary>How many routes and clusters went through YARP's validators (the rest passed them before).</summary>
    private sealed class Counts
    {
        public int Routes { get; set; }

        public int Clusters { get; set; }
    }
}
