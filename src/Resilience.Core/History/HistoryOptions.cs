using System.ComponentModel.DataAnnotations;

namespace Resilience;

/// <summary>The node's configuration history (<c>Resilience:History</c>), kept by the cache beside its entry.</summary>
public sealed class HistoryOptions
{
    /// <summary>
    /// Gets or sets how many served configurations are kept (newest first), each with its payload on disk beside the
    /// cache. 0 turns the history off (no rollback, no self-revert). Default: 5.
    /// </summary>
    [Range(0, 100)]
    public int Depth { get; set; } = HistoryDefaults.Depth;
}

/// <summary>Validates <see cref="HistoryOptions"/> at start-up (source-generated from its attributes).</summary>
[Microsoft.Extensions.Options.OptionsValidator]
internal sealed partial class HistoryOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<HistoryOptions>
{
}
