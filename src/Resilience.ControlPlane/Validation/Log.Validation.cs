using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The pre-publish validation's log lines (event ids 3303-3309, in the publisher's range).</summary>
internal static partial class Log
{
    [LoggerMessage(3303, LogLevel.Warning, "Refused to publish configuration {Hash} ({Reason}): {Count} error(s): {Errors}. Nothing was published; the nodes keep what they serve.")]
    public static partial void PublishRefusedByValidator(ILogger logger, string hash, RejectionReason reason, int count, string errors);

    [LoggerMessage(3304, LogLevel.Debug, "Configuration {Hash} passed the {Count} validator(s) registered on the control plane.")]
    public static partial void PrePublishValidated(ILogger logger, string hash, int count);
}
