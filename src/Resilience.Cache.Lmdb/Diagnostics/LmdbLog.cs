using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>Every log line of the LMDB cache, source-generated with stable event ids in 2100-2199.</summary>
internal static partial class LmdbLog
{
    [LoggerMessage(2100, LogLevel.Information, "LMDB cache {Path} opened (native library: {Library}, map size {MapSize} bytes).")]
    public static partial void Opened(ILogger logger, string path, string library, long mapSize);

    [LoggerMessage(2101, LogLevel.Warning, "LMDB cache {Path} has format tag '{Found}', this library reads '{Expected}'; the cache is discarded.")]
    public static partial void FormatMismatch(ILogger logger, string path, string found, string expected);

    [LoggerMessage(2102, LogLevel.Warning, "LMDB cache {Path} is unusable and is ignored: {Why}.")]
    public static partial void Unusable(ILogger logger, string path, string why);

    [LoggerMessage(2103, LogLevel.Error, "LMDB cache {Path} is corrupt ({Why}); it was moved aside to {MovedTo} and a new cache is started.")]
    public static partial void MovedAside(ILogger logger, string path, string why, string movedTo);

    [LoggerMessage(2104, LogLevel.Error, "LMDB cache {Path} is corrupt ({Why}) and could not be moved aside; it is ignored.")]
    public static partial void CannotMoveAside(ILogger logger, string path, string why, Exception exception);

    [LoggerMessage(2105, LogLevel.Error, "LMDB cache {Path} cannot be used: {Why}")]
    public static partial void NativeLibraryMissing(ILogger logger, string path, string why);

    [LoggerMessage(2106, LogLevel.Debug, "LMDB cache {Path} holds no configuration.")]
    public static partial void Absent(ILogger logger, string path);

    [LoggerMessage(2107, LogLevel.Information, "LMDB cache {Path}: cleared {Count} reader slots left by dead processes.")]
    public static partial void StaleReadersCleared(ILogger logger, string path, int count);

    [LoggerMessage(2109, LogLevel.Warning, "LMDB cache {Path} cannot be written ({Why}); it is opened read-only without a lock file: its configuration is served, but one applied from now on does not reach it, so a restart would not find it.")]
    public static partial void OpenedReadOnly(ILogger logger, string path, string why);

    [LoggerMessage(2108, LogLevel.Error, "LMDB cache {Path} cannot be opened and is left as it is (not a damaged file: permissions, disk or memory): {Why}")]
    public static partial void CannotOpen(ILogger logger, string path, string why);
}
