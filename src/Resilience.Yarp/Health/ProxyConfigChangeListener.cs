using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>Hears from YARP when the routes of a snapshot are live (or failed to load) and records it.</summary>
internal sealed class ProxyConfigChangeListener(AppliedProxyRevision revision, YarpMetrics metrics, TimeProvider timeProvider, ILogger<ProxyConfigChangeListener> logger) : IConfigChangeListener
{
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        foreach (var config in proxyConfigs)
        {
            if (config is DataPlaneProxyConfigProvider.SnapshotProxyConfig snapshotConfig)
            {
                revision.Set(snapshotConfig.RevisionId);
                if (snapshotConfig.Snapshot is { } snapshot)
                {
                    var lag = timeProvider.GetUtcNow() - snapshot.ReceivedAt;
                    metrics.Applied(lag);
                    Log.ProxyRoutesApplied(logger, snapshot.Hash, snapshotConfig.Routes.Count, snapshotConfig.Clusters.Count, lag.TotalMilliseconds);
                }
            }
        }
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception ex)
    {
        metrics.Failed();
        Log.ProxyConfigLoadingFailed(logger, ex);
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception ex)
    {
        metrics.Failed();
        Log.ProxyConfigApplyingFailed(logger, proxyConfigs.Select(c => c.RevisionId).LastOrDefault(), ex);
    }
}
