namespace Resilience.Storage;

/// <summary>The retry knobs every cloud store's options share (shared source, compiled into each store package).</summary>
internal interface IStoreRetrySettings
{
    int MaxRetryAttempts { get; }

    TimeSpan RetryBaseDelay { get; }

    TimeSpan MaxRetryDelay { get; }

    TimeSpan AttemptTimeout { get; }

    TimeSpan TotalTimeout { get; }
}
