using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The licence log lines: event ids 5300-5399.</summary>
internal static partial class Log
{
    [LoggerMessage(5300, LogLevel.Information, "Licence for {Subject} accepted from {Source}; it expires at {ExpiresAt:O}.")]
    public static partial void LicenseAccepted(ILogger logger, string subject, string source, DateTimeOffset expiresAt);

    [LoggerMessage(5301, LogLevel.Warning, "Licence from {Source} refused: {Why}. The licence held before stays.")]
    public static partial void LicenseRefused(ILogger logger, string source, string why);

    [LoggerMessage(5302, LogLevel.Error, "The licence for {Subject} expired at {ExpiresAt:O}. Serving stopped: {ServingStopped}.")]
    public static partial void LicenseExpired(ILogger logger, string subject, DateTimeOffset expiresAt, bool servingStopped);

    [LoggerMessage(5303, LogLevel.Error, "Writing the licence file {Path} failed; a restart would not find this licence.")]
    public static partial void LicenseWriteFailed(ILogger logger, string path, Exception exception);
}
