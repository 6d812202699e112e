namespace Resilience;

/// <summary>A fallback store operation failed after its retries, or failed permanently (access denied, no such bucket).</summary>
public sealed class FallbackStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FallbackStoreException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public FallbackStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying failure.</param>
    public FallbackStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets a value indicating whether retrying later may succeed (a timeout, a 5xx) rather than never (403, no bucket).</summary>
    public bool IsTransient { get; init; }
}
