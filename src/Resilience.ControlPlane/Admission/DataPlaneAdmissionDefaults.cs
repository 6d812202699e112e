namespace Resilience.ControlPlane;

/// <summary>The admission defaults in one place, sized from the processor count.</summary>
internal static class DataPlaneAdmissionDefaults
{
    /// <summary>As many as the config sends that may run at once: a few per core.</summary>
    public static readonly int MaxConcurrent = 4 * Environment.ProcessorCount;

    /// <summary>A TLS handshake, an upgrade, a hello and a first send take a few milliseconds of one core each.</summary>
    public static readonly int PerSecond = 250 * Environment.ProcessorCount;

    public static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(5);

    /// <summary>What can be admitted while a request waits at most.</summary>
    public static readonly int QueueLimit = (int)(PerSecond * QueueTimeout.TotalSeconds);

    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>How often the rate limiter's bucket is refilled at most (a tenth of the per-second rate each time; a slower rate, one token at a time).</summary>
    public static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>How often refusals are summed up in one log line (event 6020).</summary>
    public static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);
}
