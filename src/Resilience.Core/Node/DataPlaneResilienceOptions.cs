using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// The chain's settings: who this node is, where it keeps its files, how long start-up waits for
/// the control plane, and the size limits every configuration must pass. Bound from the section
/// given to <c>AddDataPlaneResilience</c>; validated at start-up.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public sealed class DataPlaneResilienceOptions
{
    /// <summary>Gets or sets a fixed node id. When unset, an id is created once and kept in <see cref="DataDirectory"/>.</summary>
    [MaxLength(128)]
    public string? NodeId { get; set; }

    /// <summary>Gets or sets the node version; fallback-store keys are scoped by it. Defaults to the entry assembly's informational version.</summary>
    [MaxLength(128)]
    public string? NodeVersion { get; set; }

    /// <summary>Gets free-form labels sent to the control plane.</summary>
    public IDictionary<string, string> Labels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the directory for the cache and the node id. Default: <c>resilience-data</c> under the current directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = DataPlaneResilienceDefaults.DataDirectory;

    /// <summary>Gets or sets how long a node with no cache waits for the control plane before trying the fallback store and the YAML source. Default: 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StartupTimeout { get; set; } = DataPlaneResilienceDefaults.StartupTimeout;

    /// <summary>Gets or sets the largest configuration accepted as received (compressed or not). Default: 64 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxConfigBytes { get; set; } = DataPlaneResilienceDefaults.MaxConfigBytes;

    /// <summary>Gets or sets the largest configuration accepted after decompression and YAML conversion. Default: 256 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxDecompressedBytes { get; set; } = DataPlaneResilienceDefaults.MaxDecompressedBytes;

    /// <summary>
    /// Gets or sets a value indicating whether the node stops serving when its licence expires, as the reference's
    /// gateway does: <see cref="IDataPlane.Current"/> returns <see langword="null"/> until a valid licence arrives,
    /// then the last applied configuration is served again. Default: <see langword="false"/> (the expiry is only
    /// reported: state, health, metric, log).
    /// </summary>
    public bool StopServingOnLicenseExpiry { get; set; }
}
