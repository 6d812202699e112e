namespace Resilience.ControlPlane;

/// <summary>A publish was refused because a rollout runs and <see cref="RolloutOptions.WhenRunning"/> is <see cref="RolloutConflictBehavior.Refuse"/>; nothing was published.</summary>
public sealed class RolloutInProgressException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public RolloutInProgressException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the publish was refused.</param>
    public RolloutInProgressException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the publish was refused.</param>
    /// <param name="innerException">The cause.</param>
    public RolloutInProgressException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the id of the running rollout.</summary>
    public string? RolloutId { get; init; }
}
