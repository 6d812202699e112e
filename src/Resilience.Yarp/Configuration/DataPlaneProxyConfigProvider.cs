using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// Feeds YARP from the data plane: each served snapshot becomes one immutable proxy config whose change token
/// fires when the next snapshot is served. Only validated configurations get here, parsed once by the validator.
/// </summary>
internal sealed class DataPlaneProxyConfigProvider(IDataPlane dataPlane, ProxyConfigReuse reuse, ILogger<DataPlaneProxyConfigProvider> logger) : IProxyConfigProvider
{
    private string? _warnedHash;

    /// <summary>The revision YARP reports while the data plane serves nothing.</summary>
    internal const string EmptyRevision = "empty";

    public IProxyConfig GetConfig()
    {
        // Take the token before reading the snapshot, so a swap in between still signals YARP.
        var token = OffTheSwappingThread(dataPlane.GetChangeToken());

        // One read: the routes and the revision must come from the same snapshot.
        var snapshot = dataPlane.Current;
        var model = snapshot?.Model as ReverseProxyConfig;
        if (snapshot is not null && model is null && !string.Equals(Interlocked.Exchange(ref _warnedHash, snapshot.Hash), snapshot.Hash, StringComparison.Ordinal))
        {
            Log.SnapshotWithoutProxyModel(logger, snapshot.Hash);
        }

        if (snapshot is not null && model?.Sources is not null)
        {
            // What YARP is about to route with: the next document's unchanged routes keep these instances.
            reuse.Baseline = new ProxyConfigBaseline(snapshot.Payload, model);
        }

        model ??= ReverseProxyConfig.Empty;
        return new SnapshotProxyConfig(model, token, snapshot?.Hash ?? EmptyRevision, snapshot);
    }

    /// <summary>
    /// YARP rebuilds its routes inside the change callback, synchronously on the thread that fires the token: the data
    /// plane's swap. For 20,000 routes that is seconds during which the apply (and the control plane's ack) would
    /// wait. The callback is moved to the thread pool; YARP still reloads at once, the apply returns after its swap.
    /// </summary>
    private static CancellationChangeToken OffTheSwappingThread(IChangeToken served)
    {
        var reload = new CancellationTokenSource();
        served.RegisterChangeCallback(
            static state => ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), (CancellationTokenSource)state!, preferLocal: false),
            reload);
        return new CancellationChangeToken(reload.Token);
    }

    /// <summary>One snapshot as YARP sees it; its revision is the snapshot's hash.</summary>
    internal sealed class SnapshotProxyConfig(ReverseProxyConfig model, IChangeToken changeToken, string revision, ConfigSnapshot? snapshot) : IProxyConfig
    {
        public string RevisionId => revision;

        public IReadOnlyList<RouteConfig> Routes => model.Routes;

        public IReadOnlyList<ClusterConfig> Clusters => model.Clusters;

        public IChangeToken ChangeToken => changeToken;

        /// <summary>Gets the snapshot these routes came from (<see langword="null"/> while nothing is served).</summary>
        public ConfigSnapshot? Snapshot => snapshot;
    }
}
