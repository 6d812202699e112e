using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// The retry budget every cloud fallback store shares: bounded attempts with exponential backoff and
/// jitter for transient failures, a timeout per request and a total budget per operation.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public abstract class FallbackStoreRetryOptions
{
    /// <summary>Gets or sets how many times a transient failure (timeout, 5xx, throttling, network error) is retried. Default: 4.</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Gets or sets the first retry delay; later ones grow exponentially, with jitter. Default: 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the longest delay between retries. Default: 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the timeout of one request. Default: 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the budget of one operation, retries and delays included; it then fails. Default: 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
