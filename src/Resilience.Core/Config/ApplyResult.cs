namespace Resilience;

/// <summary>The result of handing one configuration to the apply pipeline.</summary>
public sealed class ApplyResult
{
    internal ApplyResult(ApplyOutcome outcome, ConfigOrigin origin, string? hash, RejectionReason reason, IReadOnlyList<string> errors, DateTimeOffset completedAt)
    {
        Outcome = outcome;
        Origin = origin;
        Hash = hash;
        Reason = reason;
        Errors = errors;
        CompletedAt = completedAt;
    }

    /// <summary>
    /// Creates the result of a configuration refused before the apply pipeline saw it: for an <see cref="IClusterLink"/>
    /// that checks what it receives (its own size limit, say) and reports the refusal to its control plane as the
    /// pipeline's own would be. The served configuration is untouched.
    /// </summary>
    /// <param name="origin">The tier it came from.</param>
    /// <param name="hash">Its hash as announced, if known.</param>
    /// <param name="reason">The step that refused it.</param>
    /// <param name="errors">Why.</param>
    /// <param name="completedAt">When it was refused.</param>
    /// <returns>A result with <see cref="ApplyOutcome.Rejected"/>.</returns>
    public static ApplyResult Rejected(ConfigOrigin origin, string? hash, RejectionReason reason, IReadOnlyList<string> errors, DateTimeOffset completedAt)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new(ApplyOutcome.Rejected, origin, hash, reason, errors, completedAt);
    }

    /// <summary>Gets what became of the configuration.</summary>
    public ApplyOutcome Outcome { get; }

    /// <summary>Gets the tier the configuration came from.</summary>
    public ConfigOrigin Origin { get; }

    /// <summary>Gets the configuration's hash, when the pipeline got far enough to compute it.</summary>
    public string? Hash { get; }

    /// <summary>Gets the step that refused it; <see cref="RejectionReason.None"/> unless <see cref="Outcome"/> is <see cref="ApplyOutcome.Rejected"/>.</summary>
    public RejectionReason Reason { get; }

    /// <summary>Gets the problems found, for logs and for the control plane.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets when the pipeline finished with it.</summary>
    public DateTimeOffset CompletedAt { get; }

    /// <summary>Gets a value indicating whether the configuration is now served or was already served.</summary>
    public bool IsServing => Outcome is ApplyOutcome.Applied or ApplyOutcome.Unchanged;

    /// <inheritdoc/>
    public override string ToString() => Outcome == ApplyOutcome.Rejected
        ? $"{Outcome} ({Reason}) from {Origin}: {string.Join("; ", Errors)}"
        : $"{Outcome} {Hash} from {Origin}";
}
