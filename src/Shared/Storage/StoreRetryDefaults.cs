namespace Resilience.Storage;

/// <summary>The retry defaults of the cloud stores, in one place (shared source).</summary>
internal static class StoreRetryDefaults
{
    public const int MaxRetryAttempts = 4;
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(30);
}
