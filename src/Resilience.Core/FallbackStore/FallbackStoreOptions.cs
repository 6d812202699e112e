using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// Settings of tier 3 (the reference's <c>cluster_fallback_config_*</c>), bound from the
/// <c>FallbackStore</c> sub-section.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public sealed class FallbackStoreOptions
{
    /// <summary>Gets or sets the store: <c>s3://bucket/prefix</c>, <c>gcs://bucket/prefix</c> (or <c>gs://</c>), <c>azure://container/prefix</c> or <c>file:///dir</c>. Unset turns the tier off.</summary>
    public string? Storage { get; set; }

    /// <summary>Gets or sets a value indicating whether a node with no usable cache imports from the store when the control plane cannot be reached.</summary>
    public bool Import { get; set; }

    /// <summary>Gets or sets a value indicating whether this node takes part in the exporter election and exports validated configurations.</summary>
    public bool Export { get; set; }

    /// <summary>Gets or sets how long the exporter waits for changes to settle before uploading. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ExportDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how often an exporter refreshes its registration and re-checks the election. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how much older than <see cref="ElectionInterval"/> a registration may be and still count
    /// as fresh; it also bounds one election round (registration, listing, hash check and upload) and is how
    /// long a new claim to the lead must stand before its holder exports. It must be at least the store's retry
    /// budget (the cloud stores' <c>TotalTimeout</c>, 30 s by default), which start-up checks. A crashed leader
    /// is replaced within interval + 2 × grace of its last registration (a gracefully stopped one within
    /// interval + grace). Default: 45 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionGrace { get; set; } = FallbackStoreDefaults.ElectionGrace;
}
