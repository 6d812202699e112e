namespace Resilience;

/// <summary>Why a configuration patch could not be applied (<see cref="ConfigPatchException.Failure"/>).</summary>
internal enum ConfigPatchFailure
{
    /// <summary>The patch is not an RFC 6902 document of the operations this applier knows.</summary>
    Malformed,

    /// <summary>An operation names an operation this applier does not run (<c>move</c>, <c>copy</c>, <c>test</c>).</summary>
    Unsupported,

    /// <summary>A pointer names nothing in the document (a missing member, an index out of range, a step into a scalar).</summary>
    PathNotFound,

    /// <summary>A pointer goes through an object that holds the same member name twice: what it names is not defined.</summary>
    Ambiguous,

    /// <summary>Applying it would read or move more than the budget allows (a hostile patch).</summary>
    TooExpensive,

    /// <summary>The result does not have the announced size.</summary>
    SizeMismatch,
}

/// <summary>A configuration patch refused, with the typed reason (<see cref="ConfigPatchFailure"/>).</summary>
internal sealed class ConfigPatchException : Exception
{
    public ConfigPatchException(ConfigPatchFailure failure, string message, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
    }

    public ConfigPatchFailure Failure { get; }
}
