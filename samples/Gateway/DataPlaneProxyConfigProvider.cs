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
        var model = dataPlane.Current?.Model as GatewayConfig ?? new GatewayConfig();
        return new SnapshotProxyConfig(model, token, dataPlane.Current?.Hash ?? "empty");
    }

    private sealed class SnapshotProxyConfig(GatewayConfig model, IChangeToken changeToken, string revision) : IProxyConfig
    {
        public string RevisionId => revision;

        public IReadOnlyList<RouteConfig> Routes => model.Routes;

        public IReadOnlyList<ClusterConfig> Clusters => model.Clusters;

        public IChangeToken ChangeToken => changeToken;
    }
}
