using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// YARP's validator as YARP's own reload sees it: YARP validates every route and cluster again on every reload
/// (<c>ProxyConfigManager.VerifyRoutesAsync</c>), 20,000 validations for one edited route. An instance that already
/// passed YARP's validators in our pipeline (<see cref="ProxyConfigReuse"/>) has no errors; any other instance, such
/// as one a YARP config filter rewrote, goes to YARP's validator as before.
/// </summary>
internal sealed class ValidatedOnceConfigValidator(IConfigValidator inner, ProxyConfigReuse reuse) : IConfigValidator
{
    /// <summary>Gets YARP's validator itself.</summary>
    public IConfigValidator Inner => inner;

    public ValueTask<IList<Exception>> ValidateRouteAsync(RouteConfig route) =>
        route is not null && reuse.IsValidated(route) ? new(new List<Exception>()) : inner.ValidateRouteAsync(route!);

    public ValueTask<IList<Exception>> ValidateClusterAsync(ClusterConfig cluster) =>
        cluster is not null && reuse.IsValidated(cluster) ? new(new List<Exception>()) : inner.ValidateClusterAsync(cluster!);
}
