namespace Resilience;

/// <summary>
/// Gzip content was refused by <see cref="BoundedGzip"/>: larger than the limit, or damaged. Shared source: each package
/// that decodes gzip compiles its own copy and maps it onto its own typed error (a rejection, a protocol error).
/// </summary>
internal sealed class GzipContentException : Exception
{
    public GzipContentException(RejectionReason reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    /// <summary><see cref="RejectionReason.TooLarge"/> or <see cref="RejectionReason.BadCompression"/>.</summary>
    public RejectionReason Reason { get; }
}
