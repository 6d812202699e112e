using Microsoft.Extensions.Options;

namespace Resilience;

/// <summary>
/// The start-up check that the election grace covers the store's retry budget. It runs where the store
/// instance is known (the exporter's constructor), so Core needs nothing of the store packages' options:
/// a store that retries says how long through <see cref="IRetryingFallbackStore.RetryBudget"/>.
/// </summary>
internal static class ElectionGraceCheck
{
    /// <summary>Throws when <paramref name="grace"/> is shorter than the store's retry budget.</summary>
    /// <exception cref="OptionsValidationException">The grace is too short.</exception>
    public static void ThrowIfShorterThanRetryBudget(IFallbackStore store, TimeSpan grace)
    {
        if (store is IRetryingFallbackStore retrying && grace < retrying.RetryBudget)
        {
            throw new OptionsValidationException(
                Options.DefaultName,
                typeof(FallbackStoreOptions),
                [$"FallbackStore:ElectionGrace ({grace}) is shorter than the retry budget of {store.Description} (TotalTimeout {retrying.RetryBudget}): "
                    + "an election round could outlast the grace on one retried call and two exporters could lead at once. "
                    + "Raise ElectionGrace above the store's TotalTimeout, or lower TotalTimeout."]);
        }
    }
}
