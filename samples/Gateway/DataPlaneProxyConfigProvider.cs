using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Samples.Gateway;

/// <summary>
/// Feeds YARP from the data plane: each served snapshot becomes one immutable proxy config whose
/// change token fires when the next snapshot is served. Only validated configurations get here.
/// </summary>
public sealed class DataPlaneProxyConfigProvider(IDataPlane dataPlane) : IProxyConfigProvider
{
    /// <inheritdoc/>
    public IProxyConfig GetConfig()
    {
        // Take the token before reading the snapshot, so a swap in between still signals YARP.
        var token = dataPlane.GetChangeToken();

        // One read: the routes and the revision must come from the same snapshot.
        var snapshot = dataPlane.Current;
        return new SnapshotProxyConfig(snapshot?.Model as GatewayConfig ?? new GatewayConfig(), token, snapshot?.Hash ?? "empty");
    }

    /// <summary>One snapshot as YARP sees it; its revision is the snapshot's hash.</summary>
    internal sealed class SnapshotProxyConfig(GatewayConfig model, IChangeToken changeToken, string revision) : IProxyConfig
    {
        public string RevisionId => revision;

        public IReadOnlyList<RouteConfig> Routes => model.Routes;

        public IReadOnlyList<ClusterConfig> Clusters => model.Clusters;

        public IChangeToken ChangeToken => changeToken;
    }
}
