using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The container's log line (1031): a tier whose construction failed.</summary>
internal static partial class Log
{
    [LoggerMessage(1031, LogLevel.Error, "The {Tier} could not be created; the chain runs without it.")]
    public static partial void TierCreateFailed(ILogger logger, string tier, Exception exception);
}
