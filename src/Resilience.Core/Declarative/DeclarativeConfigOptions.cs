using System.ComponentModel.DataAnnotations;

namespace Resilience;

/// <summary>
/// Settings of tier 4, the declarative YAML file (the reference's <c>declarative_config</c>),
/// bound from the <c>Declarative</c> sub-section, and the limits that keep a hostile YAML document from exhausting memory.
/// </summary>
public sealed class DeclarativeConfigOptions
{
    /// <summary>Gets or sets the YAML (or JSON) file; unset turns the tier off.</summary>
    public string? Path { get; set; }

    /// <summary>Gets or sets the largest YAML file read. Default: 16 MiB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Gets or sets the most nodes the converted document may have, counting every alias expansion. Default: 1,000,000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxNodes { get; set; } = 1_000_000;

    /// <summary>Gets or sets the deepest nesting allowed. Default: 64.</summary>
    [Range(1, 1000)]
    public int MaxDepth { get; set; } = 64;
}
