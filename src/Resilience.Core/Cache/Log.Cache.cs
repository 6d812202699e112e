using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The file cache's log lines (2000, 2002, 2004).</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Warning, "Cache {Path} is unusable and is ignored: {Why}.")]
    public static partial void CacheUnusable(ILogger logger, string path, string why);

    [LoggerMessage(2002, LogLevel.Debug, "Cache {Path} holds no configuration.")]
    public static partial void CacheAbsent(ILogger logger, string path);

    [LoggerMessage(2004, LogLevel.Warning, "Cache {Path} cannot be written ({Why}): what it holds is read and served, but a configuration applied from now on does not reach it, so a restart would not find it.")]
    public static partial void CacheNotWritable(ILogger logger, string path, string why);
}
