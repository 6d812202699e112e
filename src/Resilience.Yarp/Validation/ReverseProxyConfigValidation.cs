using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// The check a YARP gateway node runs on a configuration (this package's parser, YARP's route and cluster validators,
/// unknown clusters refused), as a <see cref="IDataPlaneConfigValidator"/> of its own: for a control plane that checks a
/// configuration before it publishes it (<c>services.AddDataPlaneHubValidator(ReverseProxyConfigValidation.Create)</c>),
/// so a configuration the nodes would refuse is refused at the publish with the same errors.
/// </summary>
/// <remarks>
/// The validator keeps the last configuration it found valid (its bytes and parsed routes) as the baseline of the next
/// check, as a node does with the configuration it serves: unchanged routes and clusters are taken as the instances that
/// passed, so a one-route edit of a large configuration parses and validates the edited route only.
/// </remarks>
public static class ReverseProxyConfigValidation
{
    /// <summary>Creates the validator from services that include YARP's (<c>services.AddReverseProxy()</c>; nothing is proxied unless mapped).</summary>
    /// <param name="services">The container.</param>
    /// <returns>A validator that parses and checks a configuration as a gateway node does.</returns>
    /// <exception cref="InvalidOperationException">YARP's services are missing.</exception>
    public static IDataPlaneConfigValidator Create(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var yarp = services.GetService<IConfigValidator>()
            ?? throw new InvalidOperationException("ReverseProxyConfigValidation needs YARP's validators: call services.AddReverseProxy() (no route is served unless you map it).");

        // Its own reuse record, whose baseline is the last configuration it found valid (no YARP routes with anything
        // here): a one-route edit of a large configuration parses and validates the edited route, as on the nodes.
        var reuse = new ProxyConfigReuse();
        return new LastValidBaselineValidator(new ReverseProxyConfigValidator(yarp, services.GetServices<IProxyConfigFilter>(), reuse, services.GetRequiredService<ILogger<ReverseProxyConfigValidator>>()), reuse);
    }
}
