namespace Resilience;

/// <summary>A configuration document cannot be parsed or converted; carries the position when known.</summary>
public sealed class ConfigFormatException : ConfigSourceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, including the position when known.</param>
    /// <param name="line">The 1-based line, when known.</param>
    /// <param name="column">The 1-based column, when known.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public ConfigFormatException(string message, long? line = null, long? column = null, Exception? innerException = null)
        : base(message, innerException!)
    {
        Line = line;
        Column = column;
    }

    /// <summary>Gets the 1-based line of the problem, when known.</summary>
    public long? Line { get; }

    /// <summary>Gets the 1-based column of the problem, when known.</summary>
    public long? Column { get; }
}
