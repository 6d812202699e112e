using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The fallback store resolver's log line (3004).</summary>
internal static partial class Log
{
    [LoggerMessage(3004, LogLevel.Error, "The fallback store {Storage} could not be created; import and export are off.")]
    public static partial void StoreCreateFailed(ILogger logger, string storage, Exception exception);
}
