using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The file cache's log lines (2000, 2002).</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Warning, "Cache {Path} is unusable and is ignored: {Why}.")]
    public static partial void CacheUnusable(ILogger logger, string path, string why);

    [LoggerMessage(2002, LogLevel.Debug, "Cache {Path} holds no configuration.")]
    public static partial void CacheAbsent(ILogger logger, string path);
}
