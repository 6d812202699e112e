using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// The caches of other kinds this node may have used before its set-up changed (<c>AddPreviousCache</c>), as the chain
/// gets them: resolved once, guarded as the other tiers are (a reader that cannot be built is left out, event 1031).
/// </summary>
internal sealed class PreviousCacheTier(IServiceProvider services, ILogger<PreviousCacheTier> logger)
{
    public IReadOnlyList<PreviousConfigCache> Caches { get; } = TierResolution.Resolve<IEnumerable<PreviousConfigCache>>(services, logger, "previous caches")?.ToArray() ?? [];
}
