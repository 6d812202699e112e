using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The publisher's own log lines (event ids 3300-3349).</summary>
internal static partial class Log
{
    [LoggerMessage(3300, LogLevel.Warning, "Refused to publish a YAML configuration ({Reason}): {Error}. The latest published configuration stays.")]
    public static partial void YamlRefused(ILogger logger, RejectionReason reason, string error);
}
