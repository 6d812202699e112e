using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp.Tests;

/// <summary>
/// What a loader made of a document: the routes and clusters it built (<see langword="null"/> when it could not build
/// them, <see cref="LoadError"/> says why), and the errors that keep it from serving them (its validators'); it serves
/// them when there is neither.
/// </summary>
internal sealed record LoadOutcome(IReadOnlyList<RouteConfig>? Routes, IReadOnlyList<ClusterConfig>? Clusters, string? LoadError, IReadOnlyList<string> Errors)
{
    public bool Loaded => LoadError is null;

    public bool Accepted => LoadError is null && Errors.Count == 0;

    public IEnumerable<string> AllErrors => LoadError is null ? Errors : Errors.Prepend(LoadError);

    public static LoadOutcome NotLoaded(string error) => new(null, null, error, []);
}

/// <summary>
/// The reference: YARP's own loader and validators. The document goes through the configuration binder
/// (<c>AddJsonStream</c>, as an appsettings file), YARP's <c>LoadFromConfig</c> provider builds the routes and clusters
/// (of the <c>ReverseProxy</c> section when the document has one, as a gateway passes it), and then, as YARP's
/// <c>ProxyConfigManager</c> does on every load: duplicate ids, the config filters, YARP's route and cluster validators.
/// </summary>
internal static class YarpLoader
{
    public static LoadOutcome Load(byte[] json, Action<IReverseProxyBuilder>? configure = null)
    {
        IConfiguration root;
        try
        {
            root = new ConfigurationBuilder().AddJsonStream(new MemoryStream(json)).Build();
        }
        catch (Exception ex)
        {
            return LoadOutcome.NotLoaded($"the configuration binder: {ex.GetType().Name}: {ex.Message}");
        }

        var section = root.GetChildren().Any(c => string.Equals(c.Key, "ReverseProxy", StringComparison.OrdinalIgnoreCase)) ? root.GetSection("ReverseProxy") : root;
        var services = new ServiceCollection().AddLogging().AddRouting().AddTestPolicies();
        var proxy = services.AddReverseProxy().LoadFromConfig(section);
        configure?.Invoke(proxy);
        using var provider = services.BuildServiceProvider();
        IProxyConfig config;
        try
        {
            config = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
        }
        catch (Exception ex)
        {
            return LoadOutcome.NotLoaded($"YARP's loader: {ex.GetType().Name}: {ex.Message}");
        }

        var errors = VerifyAsync(config, provider.GetRequiredService<IConfigValidator>(), [.. provider.GetServices<IProxyConfigFilter>()]).AsTask().GetAwaiter().GetResult();
        return new LoadOutcome(config.Routes, config.Clusters, null, errors);
    }

    /// <summary>As <c>ProxyConfigManager.VerifyClustersAsync</c> and <c>VerifyRoutesAsync</c> (YARP 2.3.0).</summary>
    private static async ValueTask<List<string>> VerifyAsync(IProxyConfig config, IConfigValidator validator, IProxyConfigFilter[] filters)
    {
        var errors = new List<string>();
        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);
        var clusterErrors = false;
        foreach (var c in config.Clusters)
        {
            try
            {
                if (clusters.ContainsKey(c.ClusterId))
                {
                    errors.Add($"Duplicate cluster '{c.ClusterId}'.");
                    clusterErrors = true;
                    continue;
                }

                var cluster = c;
                foreach (var filter in filters)
                {
                    cluster = await filter.ConfigureClusterAsync(cluster, default);
                }

                var problems = await validator.ValidateClusterAsync(cluster);
                if (problems.Count > 0)
                {
                    errors.AddRange(problems.Select(p => p.Message));
                    clusterErrors = true;
                    continue;
                }

                clusters.Add(cluster.ClusterId, cluster);
            }
            catch (Exception ex)
            {
                errors.Add($"An exception was thrown from the configuration callbacks for cluster '{c.ClusterId}': {ex.Message}");
                clusterErrors = true;
            }
        }

        var configured = clusterErrors ? [] : clusters;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in config.Routes)
        {
            if (seen.Contains(r.RouteId))
            {
                errors.Add($"Duplicate route '{r.RouteId}'");
                continue;
            }

            var route = r;
            try
            {
                if (filters.Length != 0)
                {
                    ClusterConfig? cluster = null;
                    if (route.ClusterId is not null)
                    {
                        configured.TryGetValue(route.ClusterId, out cluster);
                    }

                    foreach (var filter in filters)
                    {
                        route = await filter.ConfigureRouteAsync(route, cluster, default);
                    }
                }
            }
            catch (Exception ex)
            {
                errors.Add($"An exception was thrown from the configuration callbacks for route '{r.RouteId}': {ex.Message}");
                continue;
            }

            var problems = await validator.ValidateRouteAsync(route);
            if (problems.Count > 0)
            {
                errors.AddRange(problems.Select(p => p.Message));
                continue;
            }

            seen.Add(route.RouteId);
        }

        return errors;
    }
}
