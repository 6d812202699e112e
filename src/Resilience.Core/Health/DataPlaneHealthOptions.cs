using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace Resilience;

/// <summary>When the data-plane health check reports degraded. Bound from the <c>Health</c> sub-section.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The [Range(typeof(TimeSpan), ...)]/[MaxLength] rules are read at compile time by the [OptionsValidator] source generator, whose validator uses its own trim-safe copies; nothing constructs these attributes by reflection unless the app calls ValidateDataAnnotations, which carries its own trimming warning.")]
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
