namespace Resilience.ControlPlane;

/// <summary>An operator action on a rollout that cannot be done now (no rollout, or one that already ended); nothing changed.</summary>
public sealed class RolloutOperationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public RolloutOperationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the action cannot be done.</param>
    public RolloutOperationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the action cannot be done.</param>
    /// <param name="innerException">The cause.</param>
    public RolloutOperationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
