using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// What one configuration passes on to the next. The baseline: the configuration YARP was last given, whose
/// unchanged routes and clusters the parser takes as they are. The validated instances: routes and clusters that
/// passed YARP's own validators, so neither our validator nor YARP's reload validates the same instance twice.
/// Instances are held weakly: a route leaves the set when no configuration holds it any more.
/// </summary>
internal sealed class ProxyConfigReuse
{
    private readonly ConditionalWeakTable<RouteConfig, object> _validRoutes = [];
    private readonly ConditionalWeakTable<ClusterConfig, object> _validClusters = [];
    private ProxyConfigBaseline? _baseline;

    /// <summary>Gets or sets the configuration YARP was last given, with the bytes it was parsed from.</summary>
    public ProxyConfigBaseline? Baseline
    {
        get => Volatile.Read(ref _baseline);
        set => Volatile.Write(ref _baseline, value);
    }

    public bool IsValidated(RouteConfig route) => _validRoutes.TryGetValue(route, out _);

    public bool IsValidated(ClusterConfig cluster) => _validClusters.TryGetValue(cluster, out _);

    /// <summary>Records that YARP's validators found no error in this very instance (it is immutable).</summary>
    public void Validated(RouteConfig route) => _validRoutes.AddOrUpdate(route, this);

    /// <summary>Records that YARP's validators found no error in this very instance (it is immutable).</summary>
    public void Validated(ClusterConfig cluster) => _validClusters.AddOrUpdate(cluster, this);
}
