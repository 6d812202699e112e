using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Resolves the replaceable tiers (the cache and the link, which hosts may register with <c>UseCache&lt;T&gt;</c> and
/// <c>UseClusterLink&lt;T&gt;</c>) once, guarded: a tier whose construction throws is logged (event 1031) and left
/// out, so a broken extension costs its tier, never the host's start.
/// </summary>
internal sealed class ChainTiers
{
    private readonly Lazy<IConfigCache?> _cache;
    private readonly Lazy<IClusterLink?> _link;
    private readonly Lazy<IReadOnlyList<PreviousConfigCache>> _previousCaches;

    public ChainTiers(IServiceProvider services, ILogger<ChainTiers> logger)
    {
        // Each on first use, not together: the link depends on the data plane (through the licence monitor), which
        // depends on the cache; resolving the link while the data plane is being built would be a cycle.
        _cache = new(() => Resolve<IConfigCache>(services, logger, "cache"));
        _link = new(() => Resolve<IClusterLink>(services, logger, "control plane link"));
        _previousCaches = new(() => Resolve<IEnumerable<PreviousConfigCache>>(services, logger, "previous caches")?.ToArray() ?? []);
    }

    public IConfigCache? Cache => _cache.Value;

    public IClusterLink? Link => _link.Value;

    /// <summary>Gets the caches of other kinds read when the configured one holds nothing usable (cache-kind migration).</summary>
    public IReadOnlyList<PreviousConfigCache> PreviousCaches => _previousCaches.Value;

    private static T? Resolve<T>(IServiceProvider services, ILogger logger, string tier)
        where T : class
    {
        try
        {
            return services.GetService<T>();
        }
        catch (Exception ex) when (ex is not Microsoft.Extensions.Options.OptionsValidationException)
        {
            // Invalid options stay a start-up error (ValidateOnStart names every problem); anything else costs the tier.
            Log.TierCreateFailed(logger, $"{tier} ({typeof(T).Name})", ex);
            return null;
        }
    }
}
