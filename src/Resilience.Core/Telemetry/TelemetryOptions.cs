using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// Usage telemetry sent to the control plane: how many records the node keeps while the link is down
/// and how often it flushes. Bound from the <c>Telemetry</c> sub-section of the section given to
/// <c>AddDataPlaneResilience</c>; validated at start-up.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets how many records the buffer holds, never more. The buffer is split exactly into one ring
    /// per processor; a record goes to its processor's ring, or to another with room when that one is full.
    /// When every ring is full, a record drops the oldest record of its own ring (oldest-first per ring, not
    /// across the buffer), and the drop is counted. Default: 100,000 (the reference's <c>analytics_buffer_size_limit</c>).
    /// </summary>
    [Range(1, 10_000_000)]
    public int BufferSizeLimit { get; set; } = TelemetryDefaults.BufferSizeLimit;

    /// <summary>Gets or sets how often buffered records are sent to the control plane. Default: 1 s (the reference's <c>analytics_flush_interval</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TelemetryDefaults.FlushInterval;

    /// <summary>Gets or sets the most records one <c>telemetry</c> message carries. Default: 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchSize { get; set; } = TelemetryDefaults.MaxBatchSize;
}
