using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// A configuration document as YARP routes with it: the routes and clusters parsed once by the data plane's
/// validator and kept on the served snapshot (<c>snapshot.GetModel&lt;ReverseProxyConfig&gt;()</c>).
/// </summary>
public sealed class ReverseProxyConfig
{
    /// <summary>Creates a configuration.</summary>
    /// <param name="routes">The routes, each with its id.</param>
    /// <param name="clusters">The clusters, each with its id.</param>
    public ReverseProxyConfig(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(clusters);
        Routes = routes;
        Clusters = clusters;
    }

    /// <summary>Gets a configuration with no routes and no clusters (what YARP sees while nothing is served).</summary>
    public static ReverseProxyConfig Empty { get; } = new([], []);

    /// <summary>Gets the routes.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; }

    /// <summary>Gets the clusters.</summary>
    public IReadOnlyList<ClusterConfig> Clusters { get; }

    /// <summary>Gets where the routes and clusters lie in the bytes they were parsed from (set by the parser only).</summary>
    internal ConfigSources? Sources { get; init; }
}
