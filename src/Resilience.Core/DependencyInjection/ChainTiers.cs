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
    public ChainTiers(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ChainTiers>();
        Cache = Resolve<IConfigCache>(services, logger, "cache");
        Link = Resolve<IClusterLink>(services, logger, "control plane link");
    }

    public IConfigCache? Cache { get; }

    public IClusterLink? Link { get; }

    private static T? Resolve<T>(IServiceProvider services, ILogger logger, string tier)
        where T : class
    {
        try
        {
            return services.GetService<T>();
        }
        catch (Exception ex)
        {
            Log.TierCreateFailed(logger, $"{tier} ({typeof(T).Name})", ex);
            return null;
        }
    }
}
