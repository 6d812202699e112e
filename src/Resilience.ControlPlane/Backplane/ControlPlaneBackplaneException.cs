namespace Resilience.ControlPlane;

/// <summary>
/// The control plane's backplane cannot be reached. Thrown by <see cref="IConfigPublisher.PublishAsync"/> on a
/// replica with a backplane: the publish did not happen anywhere (no replica, no data plane got it) and every
/// replica keeps serving what it served. Retry when the backplane is back.
/// </summary>
public sealed class ControlPlaneBackplaneException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ControlPlaneBackplaneException"/> class.</summary>
    public ControlPlaneBackplaneException()
        : base("the control plane's backplane cannot be reached")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ControlPlaneBackplaneException"/> class.</summary>
    /// <param name="message">What failed.</param>
    public ControlPlaneBackplaneException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ControlPlaneBackplaneException"/> class.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The backplane's error.</param>
    public ControlPlaneBackplaneException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
