using System.ComponentModel.DataAnnotations;

namespace Resilience;

/// <summary>When the data-plane health check reports degraded. Bound from the <c>Health</c> sub-section.</summary>
public sealed class DataPlaneHealthOptions
{
    /// <summary>Gets or sets how long the control-plane link may be down before the node reports degraded. Default: 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan LinkDownThreshold { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how old the served configuration may be before the node reports degraded; unset turns the rule off. Default: unset.</summary>
    public TimeSpan? ConfigAgeThreshold { get; set; }
}

/// <summary>Validates <see cref="DataPlaneHealthOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class DataPlaneHealthOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<DataPlaneHealthOptions>
{
}
