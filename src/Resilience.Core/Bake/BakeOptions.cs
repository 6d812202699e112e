using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>
/// The bake (<c>Resilience:Bake</c>): after a configuration from the control plane is applied, the node watches its own
/// signals for <see cref="Duration"/> and goes back to the configuration it served before when one fails, judged over a
/// sliding <see cref="DetectionWindow"/>: the share of failed requests against the share before the apply, the readiness
/// checks tagged <see cref="HealthCheckTag"/>, and every <see cref="IConfigHealthProbe"/>. Off by default.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies.")]
public sealed class BakeOptions
{
    /// <summary>Gets or sets a value indicating whether configurations from the control plane are baked. Default: <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how long a new configuration is watched. Default: 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Duration { get; set; } = BakeDefaults.Duration;

    /// <summary>
    /// Gets or sets the window the signals are judged over, sliding every second through the bake: a failed-request share
    /// over the last window, a readiness check failing for a whole window. The time from the first failed request to the
    /// previous configuration serving again is at most about this plus one second. At most <see cref="Duration"/>. Default: 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DetectionWindow { get; set; } = BakeDefaults.DetectionWindow;

    /// <summary>
    /// Gets or sets the fewest requests a window needs before its failed share is judged, and the whole bake needs to pass;
    /// a bake with fewer and no failing check ends undecided and keeps the configuration. Default: 50.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MinimumRequests { get; set; } = BakeDefaults.MinimumRequests;

    /// <summary>
    /// Gets or sets how much the share of failed requests (status 500 or above, or a proxy error) may rise above the share
    /// before the apply: 0.05 fails a window whose share is 5 points above it. Default: 0.05.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MaxFailedRequestRatioIncrease { get; set; } = BakeDefaults.MaxFailedRequestRatioIncrease;

    /// <summary>
    /// Gets or sets the tag of the health checks the bake runs (<c>Microsoft.Extensions.Diagnostics.HealthChecks</c>): an
    /// unhealthy one for a whole <see cref="DetectionWindow"/> fails the bake. Empty: no health checks. Default: <c>bake</c>.
    /// </summary>
    public string? HealthCheckTag { get; set; } = BakeDefaults.HealthCheckTag;
}

/// <summary>Validates <see cref="BakeOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class BakeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<BakeOptions>
{
}

/// <summary>The rule that spans fields of <see cref="BakeOptions"/>.</summary>
internal sealed class BakeCrossFieldValidator : Microsoft.Extensions.Options.IValidateOptions<BakeOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, BakeOptions options) =>
        options.DetectionWindow > options.Duration
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail($"{nameof(BakeOptions.DetectionWindow)} ({options.DetectionWindow}) must not exceed {nameof(BakeOptions.Duration)} ({options.Duration}).")
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
