using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>
/// Resolves a replaceable tier (a host may register its own with <c>UseCache&lt;T&gt;</c> or <c>UseClusterLink&lt;T&gt;</c>)
/// guarded: a tier whose construction throws is logged (event 1031) and left out, so a broken extension costs its tier,
/// never the host's start.
/// </summary>
internal static class TierResolution
{
    public static T? Resolve<T>(IServiceProvider services, ILogger logger, string tier)
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
