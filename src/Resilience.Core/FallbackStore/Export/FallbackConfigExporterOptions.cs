using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// Who a <see cref="FallbackConfigExporter"/> is in the election and how it times its rounds and uploads. A data
/// plane fills these from its node identity and <see cref="FallbackStoreOptions"/>; a control plane that exports
/// what it publishes creates one exporter per data-plane version it exports for.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
public sealed class FallbackConfigExporterOptions
{
    /// <summary>Gets or sets the id this exporter registers with in the election (and writes as the uploader's id). Required.</summary>
    [Required]
    public string? NodeId { get; set; }

    /// <summary>Gets or sets the host name written into the registration (informational). Default: the machine name.</summary>
    public string Hostname { get; set; } = Environment.MachineName;

    /// <summary>Gets or sets the data-plane version whose keys are written: <c>&lt;prefix&gt;/&lt;version&gt;/config.json</c>. Required.</summary>
    [Required]
    public string? NodeVersion { get; set; }

    /// <summary>Gets or sets how long an offered configuration must stay unchanged before it is uploaded. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ExportDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how often the registration is rewritten and the election re-checked. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how much older than <see cref="ElectionInterval"/> a registration may be and still count; it also
    /// bounds one round and must be at least the store's retry budget (checked when the exporter is created). Default: 45 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionGrace { get; set; } = ExportConstants.DefaultElectionGrace;

    /// <summary>Gets or sets the largest configuration read back from the store (to compare hashes before an upload). Default: 64 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxConfigBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the meter that carries the exporter's instruments (<c>resilience.fallback_store.exports</c>,
    /// <c>resilience.fallback_store.exporter.leader</c>, <c>resilience.fallback_store.failures</c>).
    /// Default: <see cref="DataPlaneTelemetry.MeterName"/>.
    /// </summary>
    [Required]
    public string MeterName { get; set; } = DataPlaneTelemetry.MeterName;
}

/// <summary>Validates <see cref="FallbackConfigExporterOptions"/> when an exporter is created (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class FallbackConfigExporterOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<FallbackConfigExporterOptions>
{
}
