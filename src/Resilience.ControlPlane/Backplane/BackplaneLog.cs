using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The control-plane replica's backplane log lines: event ids 8000-8019 (the Redis backplane has 8030-8049).</summary>
internal static partial class BackplaneLog
{
    [LoggerMessage(8000, LogLevel.Warning, "Configuration {Hash} was not published: {Why}. Every replica keeps serving what it serves; publish again when the backplane is back.")]
    public static partial void PublishFailed(ILogger logger, string hash, string why);

    [LoggerMessage(8001, LogLevel.Information, "Received configuration {Hash} (revision {Revision}, version {Version}) from the backplane; sending it to {Count} connected data planes.")]
    public static partial void ConfigReceived(ILogger logger, string hash, long revision, string version, int count);

    [LoggerMessage(8002, LogLevel.Information, "Configuration {Hash} got revision {Revision}, but revision {LatestRevision} ({Latest}) is already served: the newer one stays.")]
    public static partial void PublishSuperseded(ILogger logger, string hash, long revision, string? latest, long latestRevision);

    [LoggerMessage(8003, LogLevel.Error, "Refused configuration {Hash} (revision {Revision}) from the backplane: {Why}. The replica keeps serving what it serves.")]
    public static partial void ConfigRefused(ILogger logger, string hash, long revision, string why);

    [LoggerMessage(8004, LogLevel.Warning, "The backplane held an older configuration ({Stored}) than this replica serves; wrote back {Hash} (revision {Revision}).")]
    public static partial void ConfigRestored(ILogger logger, string? stored, string hash, long revision);

    [LoggerMessage(8005, LogLevel.Warning, "The backplane cannot be reached ({Operation}): {Why}. This replica keeps serving {Hash} and retries.")]
    public static partial void BackplaneUnavailable(ILogger logger, string operation, string why, string? hash);

    [LoggerMessage(8006, LogLevel.Information, "The backplane is reachable again; replica {ReplicaId} serves {Hash} (revision {Revision}).")]
    public static partial void BackplaneAvailable(ILogger logger, string replicaId, string? hash, long revision);

    [LoggerMessage(8007, LogLevel.Warning, "Replica {ReplicaId} started without the fleet's configuration within {Timeout}: {Why}. It keeps trying; nodes keep serving what they have.")]
    public static partial void StartedWithoutFleetConfig(ILogger logger, string replicaId, TimeSpan timeout, string why);

    [LoggerMessage(8008, LogLevel.Information, "Replica {ReplicaId} joined the backplane with configuration {Hash} (revision {Revision}).")]
    public static partial void ReplicaStarted(ILogger logger, string replicaId, string? hash, long revision);

    [LoggerMessage(8009, LogLevel.Debug, "Replica {ReplicaId} reported {Local} data planes; the fleet has {Fleet}.")]
    public static partial void RegistrySynced(ILogger logger, string replicaId, int local, int fleet);
}
