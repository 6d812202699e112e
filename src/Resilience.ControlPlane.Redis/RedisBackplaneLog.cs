using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane.Redis;

/// <summary>The Redis backplane's log lines: event ids 8030-8049.</summary>
internal static partial class RedisBackplaneLog
{
    [LoggerMessage(8030, LogLevel.Warning, "The Redis backplane lost its {ConnectionType} connection to {Endpoint} ({FailureType}): {Why}. It reconnects on its own; publishes fail until then.")]
    public static partial void ConnectionFailed(ILogger logger, string connectionType, string? endpoint, string failureType, string? why);

    [LoggerMessage(8031, LogLevel.Information, "The Redis backplane restored its {ConnectionType} connection to {Endpoint}.")]
    public static partial void ConnectionRestored(ILogger logger, string connectionType, string? endpoint);

    [LoggerMessage(8032, LogLevel.Warning, "The registry report of replica {ReplicaId} in Redis is not valid: {Why}. Its data planes are left out.")]
    public static partial void InvalidReport(ILogger logger, string replicaId, string why);

    [LoggerMessage(8033, LogLevel.Warning, "The stored configuration in Redis is not valid: {Why}. It is ignored.")]
    public static partial void InvalidStoredConfig(ILogger logger, string why);

    [LoggerMessage(8034, LogLevel.Information, "The Redis backplane connects to {Endpoints} with key prefix {Prefix}.")]
    public static partial void Connecting(ILogger logger, string endpoints, string prefix);
}
