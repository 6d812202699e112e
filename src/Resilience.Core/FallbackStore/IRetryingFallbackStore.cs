namespace Resilience;

/// <summary>
/// A fallback store that retries transient failures itself within a bounded budget (a cloud store built on
/// <see cref="FallbackStoreRetryOptions"/>). The exporter reads the budget at start and refuses an election
/// grace shorter than it: a store call that is still retrying within its budget must not outlast the grace.
/// </summary>
public interface IRetryingFallbackStore : IFallbackStore
{
    /// <summary>Gets the longest one store operation may take, retries and delays included (<see cref="FallbackStoreRetryOptions.TotalTimeout"/>).</summary>
    TimeSpan RetryBudget { get; }
}
