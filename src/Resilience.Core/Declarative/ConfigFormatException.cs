namespace Resilience;

/// <summary>
/// A YAML document cannot be converted to JSON (<see cref="YamlToJson"/>, <c>IConfigPublisher</c>'s YAML overload):
/// it is too large, malformed, or crosses a limit. Carries the reason a data plane reports for the same document
/// and the position when known.
/// </summary>
public sealed class ConfigFormatException : ConfigSourceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, including the position when known.</param>
    /// <param name="line">The 1-based line, when known.</param>
    /// <param name="column">The 1-based column, when known.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    /// <param name="reason">The pipeline's reason for the refusal.</param>
    internal ConfigFormatException(string message, long? line = null, long? column = null, Exception? innerException = null, RejectionReason reason = RejectionReason.InvalidYaml)
        : base(message, innerException!)
    {
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>Gets why the document is refused: <see cref="RejectionReason.InvalidYaml"/>, or <see cref="RejectionReason.TooLarge"/> when it is over the size limit.</summary>
    public RejectionReason Reason { get; }

    /// <summary>Gets the 1-based line of the problem, when known.</summary>
    public long? Line { get; }

    /// <summary>Gets the 1-based column of the problem, when known.</summary>
    public long? Column { get; }
}
