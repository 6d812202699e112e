using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The control plane's log lines: event ids 6000-6199.</summary>
internal static partial class Log
{
    [LoggerMessage(6000, LogLevel.Warning, "Refused a data-plane certificate ({Subject}): {Why}.")]
    public static partial void CertificateRefused(ILogger logger, string subject, string why);

    [LoggerMessage(6001, LogLevel.Information, "Data plane {NodeId} ({Hostname}, version {Version}) connected from {Remote} with configuration {Hash}.")]
    public static partial void DataPlaneConnected(ILogger logger, string nodeId, string? hostname, string? version, string? remote, string? hash);

    [LoggerMessage(6002, LogLevel.Information, "Data plane {NodeId} disconnected: {Why}.")]
    public static partial void DataPlaneDisconnected(ILogger logger, string nodeId, string why);

    [LoggerMessage(6003, LogLevel.Warning, "Refused a data-plane connection from {Remote}: {Why}.")]
    public static partial void ConnectionRefused(ILogger logger, string? remote, string why);

    [LoggerMessage(6004, LogLevel.Information, "Published configuration {Hash} (version {Version}, {Bytes} bytes, {CompressedBytes} compressed) to {Count} connected data planes.")]
    public static partial void ConfigPublished(ILogger logger, string hash, string version, int bytes, int compressedBytes, int count);

    [LoggerMessage(6005, LogLevel.Debug, "Sent configuration {Hash} to data plane {NodeId}.")]
    public static partial void ConfigSent(ILogger logger, string hash, string nodeId);

    [LoggerMessage(6006, LogLevel.Information, "Data plane {NodeId} reports the stale configuration {Hash}; sending the latest {Latest} again.")]
    public static partial void StaleHashResend(ILogger logger, string nodeId, string? hash, string latest);

    [LoggerMessage(6007, LogLevel.Warning, "Data plane {NodeId} rejected configuration {Hash} ({Reason}): {Errors}.")]
    public static partial void ConfigRejectedByDataPlane(ILogger logger, string nodeId, string? hash, string? reason, string errors);

    [LoggerMessage(6008, LogLevel.Warning, "Data plane {NodeId} sent a bad message ({Reason}): {Error}. Closing its connection.")]
    public static partial void ProtocolViolation(ILogger logger, string nodeId, string reason, string error);

    [LoggerMessage(6009, LogLevel.Error, "A telemetry handler failed for data plane {NodeId}.")]
    public static partial void TelemetryHandlerFailed(ILogger logger, string nodeId, Exception exception);

    [LoggerMessage(6010, LogLevel.Warning, "Data plane {NodeId} sent a telemetry batch that is not in the v1 format: {Error}. Its records are not counted.")]
    public static partial void TelemetryMalformed(ILogger logger, string nodeId, string error);

    [LoggerMessage(6011, LogLevel.Information, "Licence for {Subject} set; sending it to {Count} connected data planes.")]
    public static partial void LicensePublished(ILogger logger, string subject, int count);

    [LoggerMessage(6012, LogLevel.Debug, "Sent the licence for {Subject} to data plane {NodeId}.")]
    public static partial void LicenseSent(ILogger logger, string subject, string nodeId);

    [LoggerMessage(6016, LogLevel.Warning, "Data plane {NodeId} {Kind} from {From} to {To} ({Actor}: {Reason}); {From} is not pushed to it again until it applies another configuration.")]
    public static partial void DataPlaneRolledBack(ILogger logger, string nodeId, DataPlaneRollbackKind kind, string from, string? to, string? actor, string? reason);

    [LoggerMessage(6017, LogLevel.Information, "Asking data plane {NodeId} to roll back to {Hash} ({Actor}: {Reason}).")]
    public static partial void RollbackRequested(ILogger logger, string nodeId, string hash, string? actor, string? reason);

    [LoggerMessage(6018, LogLevel.Debug, "Not sending configuration {Hash} to data plane {NodeId}: it went back from it.")]
    public static partial void RolledBackNotSent(ILogger logger, string hash, string nodeId);

    [LoggerMessage(6013, LogLevel.Warning, "The telemetry queue of data plane {NodeId} is full ({Capacity} batches waiting for slow handlers or sinks): dropping new batches; {Dropped} dropped on this connection so far.")]
    public static partial void TelemetryQueueFull(ILogger logger, string nodeId, int capacity, long dropped);

    [LoggerMessage(6014, LogLevel.Debug, "Sent configuration {Hash} to data plane {NodeId} as a delta of {BaseHash} ({Bytes} bytes).")]
    public static partial void DeltaSent(ILogger logger, string hash, string nodeId, string baseHash, int bytes);

    [LoggerMessage(6015, LogLevel.Warning, "Data plane {NodeId} could not use the delta to configuration {Hash} ({Reason}: {Error}); it serves {Served}. Sending the whole configuration.")]
    public static partial void ConfigRequested(ILogger logger, string nodeId, string? hash, string? reason, string? error, string? served);
}
