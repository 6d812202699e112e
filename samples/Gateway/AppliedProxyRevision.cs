using Yarp.ReverseProxy.Configuration;

namespace Resilience.Samples.Gateway;

/// <summary>
/// The data-plane snapshot YARP routes with: YARP reloads asynchronously after the data plane swaps, so "serving
/// hash X" (the data plane) and "routing with X" (YARP) can differ for a few milliseconds. YARP calls
/// <see cref="ConfigurationApplied"/> once the routes of a revision are live.
/// </summary>
public sealed class AppliedProxyRevision : IConfigChangeListener
{
    private string? _revision;

    /// <summary>Gets the revision (the snapshot's hash, or <c>empty</c>) of the routes YARP uses now.</summary>
    public string? Current => Volatile.Read(ref _revision);

    /// <inheritdoc/>
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) =>
        Volatile.Write(ref _revision, proxyConfigs.OfType<DataPlaneProxyConfigProvider.SnapshotProxyConfig>().LastOrDefault()?.RevisionId);

    /// <inheritdoc/>
    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    /// <inheritdoc/>
    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception ex)
    {
    }

    /// <inheritdoc/>
    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception ex)
    {
    }
}
