namespace Resilience.ControlPlane;

/// <summary>
/// A validator registered on the control plane (<c>AddDataPlaneHubValidator</c>: the checks the nodes run) refused a
/// configuration before it was published; nothing was published. The reason and errors are what a node would report.
/// </summary>
public sealed class ConfigValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigValidationException()
        : this(RejectionReason.ValidatorRejected, string.Empty, ["the configuration was refused"])
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the configuration was refused.</param>
    public ConfigValidationException(string message)
        : this(RejectionReason.ValidatorRejected, string.Empty, [message])
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the configuration was refused.</param>
    /// <param name="innerException">The cause.</param>
    public ConfigValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reason = RejectionReason.ValidatorFailed;
        Hash = string.Empty;
        Errors = [message];
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="reason"><see cref="RejectionReason.ValidatorRejected"/>, or <see cref="RejectionReason.ValidatorFailed"/> when a validator threw.</param>
    /// <param name="hash">The hash of the refused configuration.</param>
    /// <param name="errors">Every error the validators found.</param>
    public ConfigValidationException(RejectionReason reason, string hash, IReadOnlyList<string> errors)
        : base($"the configuration {hash} was not published: {string.Join("; ", errors ?? [])}")
    {
        ArgumentNullException.ThrowIfNull(errors);
        Reason = reason;
        Hash = hash;
        Errors = errors;
    }

    /// <summary>Gets why, in the nodes' terms: <see cref="RejectionReason.ValidatorRejected"/> or <see cref="RejectionReason.ValidatorFailed"/>.</summary>
    public RejectionReason Reason { get; }

    /// <summary>Gets the hash of the refused configuration.</summary>
    public string Hash { get; }

    /// <summary>Gets every error found, in the order the validators ran.</summary>
    public IReadOnlyList<string> Errors { get; }
}
