namespace Resilience;

/// <summary>A configuration source, cache or store exists but cannot be read or understood.</summary>
public class ConfigSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigSourceException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public ConfigSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ConfigSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
