namespace Resilience;

/// <summary>A pipeline step refused a configuration; carries the step and every error.</summary>
internal sealed class ConfigRejectedException : Exception
{
    public ConfigRejectedException(RejectionReason reason, string error, Exception? inner = null)
        : this(reason, [error], inner)
    {
    }

    public ConfigRejectedException(RejectionReason reason, IReadOnlyList<string> errors, Exception? inner = null)
        : base(string.Join("; ", errors), inner)
    {
        Reason = reason;
        Errors = errors;
    }

    public RejectionReason Reason { get; }

    public IReadOnlyList<string> Errors { get; }
}
