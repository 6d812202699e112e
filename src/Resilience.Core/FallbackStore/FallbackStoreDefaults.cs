namespace Resilience;

/// <summary>The fallback store options' defaults in one place.</summary>
internal static class FallbackStoreDefaults
{
    /// <summary>
    /// Grace added to the election interval before a registration counts as stale; above the cloud stores' default
    /// retry budget (<see cref="FallbackStoreRetryOptions.TotalTimeout"/>, 30 s), as start-up requires.
    /// </summary>
    public static readonly TimeSpan ElectionGrace = TimeSpan.FromSeconds(45);
}
