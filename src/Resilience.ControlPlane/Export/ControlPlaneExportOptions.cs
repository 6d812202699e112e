using System.ComponentModel.DataAnnotations;

namespace Resilience.ControlPlane;

/// <summary>
/// A control plane that exports what it publishes to the fallback store, so new data planes can boot
/// from it while the control plane is down (the reference lets both planes export). It joins the
/// same election as backup data-plane nodes, so exactly one exporter writes each version's key.
/// </summary>
public sealed class ControlPlaneExportOptions
{
    /// <summary>Gets or sets the store: <c>s3://bucket/prefix</c>, <c>gcs://bucket/prefix</c> or <c>file:///dir</c>.</summary>
    [Required]
    public string? Storage { get; set; }

    /// <summary>Gets the data-plane versions to export for; keys are <c>&lt;prefix&gt;/&lt;version&gt;/config.json</c>. At least one.</summary>
    [MinLength(1)]
    public IList<string> NodeVersions { get; } = new List<string>();

    /// <summary>Gets or sets the id this control plane registers in the election with. Default: <c>control-plane-&lt;host name&gt;</c>.</summary>
    public string? NodeId { get; set; }

    /// <summary>Gets or sets how long to wait for publishes to settle before uploading. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ExportDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how often the registration is refreshed and the election re-checked. Default: 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how stale a registration may be beyond the interval and still count; it also bounds one
    /// election round. Must be at least the store's retry budget (its <c>TotalTimeout</c>, 30 s by default),
    /// which start-up checks. Default: 45 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ElectionGrace { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Gets or sets the largest configuration read back from the store. Default: 64 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxConfigBytes { get; set; } = 64L * 1024 * 1024;
}

/// <summary>Validates <see cref="ControlPlaneExportOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class ControlPlaneExportOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ControlPlaneExportOptions>
{
}
