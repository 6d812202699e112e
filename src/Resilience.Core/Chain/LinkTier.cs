using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Tier 1 as the chain gets it: the registered <see cref="IClusterLink"/>, or none when it cannot be built. The link may
/// depend on the data plane through what it hands over (the licence monitor acts on the data plane's serving), so only the
/// chain, built after the data plane, takes it; the data plane reaches the link only through the context the chain passes
/// to <see cref="IClusterLink.RunAsync"/>. The graph is a line: data plane &lt;- licence monitor &lt;- link &lt;- chain.
/// </summary>
internal sealed class LinkTier(IServiceProvider services, ILogger<LinkTier> logger)
{
    public IClusterLink? Link { get; } = TierResolution.Resolve<IClusterLink>(services, logger, "control plane link");
}
