using Microsoft.Extensions.Logging;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>The telemetry log lines: event ids 5200-5299.</summary>
internal static partial class Log
{
    [LoggerMessage(5200, LogLevel.Debug, "Sent a telemetry batch of {Records} records ({Bytes} bytes compressed).")]
    public static partial void TelemetrySent(ILogger logger, int records, int bytes);

    [LoggerMessage(5201, LogLevel.Warning, "Sending a telemetry batch of {Records} records failed: {Error}. The batch is kept and sent first after reconnect.")]
    public static partial void TelemetrySendFailed(ILogger logger, int records, string error);

    [LoggerMessage(5202, LogLevel.Warning, "The telemetry buffer is full: {Dropped} records dropped so far (oldest first).")]
    public static partial void TelemetryDropping(ILogger logger, long dropped);

}
