using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Tier 2 as the data plane gets it: the registered <see cref="IConfigCache"/>, or none when it cannot be built. Resolved
/// when the data plane is built; nothing it needs reaches back to the data plane.
/// </summary>
internal sealed class CacheTier(IServiceProvider services, ILogger<CacheTier> logger)
{
    public IConfigCache? Cache { get; } = TierResolution.Resolve<IConfigCache>(services, logger, "cache");
}
