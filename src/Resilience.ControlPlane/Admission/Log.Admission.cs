using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>Admission control's log lines (6020-6029).</summary>
internal static partial class Log
{
    [LoggerMessage(6020, LogLevel.Warning, "Admission control refused {Refused} data-plane session(s) with 503 before the upgrade ({Waiting} waiting, at most {MaxConcurrent} at once and {PerSecond}/s); the last was told to retry after {RetryAfter}.")]
    public static partial void AdmissionRefused(ILogger logger, long refused, long waiting, TimeSpan retryAfter, int maxConcurrent, int perSecond);
}
