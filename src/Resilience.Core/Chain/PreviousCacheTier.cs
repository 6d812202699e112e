using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// The caches of other kinds this node may have used before its set-up changed (<c>AddPreviousCache</c>), as the chain
/// gets them: resolved once, guarded as the other tiers are (a reader that cannot be built is left out, event 1031).
/// Resolved when first asked for, not with the chain: a node whose configured cache serves never needs them, and building
/// a reader (its package's options, its store) would sit on the way to a restarted node's first request.
/// </summary>
internal sealed class PreviousCacheTier(IServiceProvider services, ILogger<PreviousCacheTier> logger)
{
    private IReadOnlyList<PreviousConfigCache>? _caches;

    /// <summary>Gets the readers, resolved on the first call (the chain's start-up asks from one task; the container's singletons make a second resolution the same).</summary>
    public IReadOnlyList<PreviousConfigCache> Caches => _caches ??= TierResolution.Resolve<IEnumerable<PreviousConfigCache>>(services, logger, "previous caches")?.ToArray() ?? [];
}
