using Yarp.ReverseProxy.Configuration;

namespace Resilience.Samples.Gateway;

/// <summary>The gateway's configuration document: YARP routes and clusters, as JSON.</summary>
public sealed class GatewayConfig
{
    /// <summary>Gets the routes.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    /// <summary>Gets the clusters.</summary>
    public IReadOnlyList<ClusterConfig> Clusters { get; init; } = [];
}
