using Microsoft.Extensions.Logging;

namespace Resilience.Yarp;

/// <summary>The package's log messages; event ids 7000-7099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "YARP routes with configuration {Hash}: {RouteCount} routes, {ClusterCount} clusters, {LagMilliseconds:F0} ms after the data plane swapped it in")]
    public static partial void ProxyRoutesApplied(ILogger logger, string hash, int routeCount, int clusterCount, double lagMilliseconds);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Error, Message = "YARP could not load the routes of the served configuration; it keeps routing with the previous ones")]
    public static partial void ProxyConfigLoadingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "YARP refused to apply configuration {Revision}; it keeps routing with the previous one")]
    public static partial void ProxyConfigApplyingFailed(ILogger logger, string? revision, Exception exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "The served configuration {Hash} carries no YARP routes: another validator, registered before LoadFromDataPlane(), returned its model first (the first model wins); YARP routes with none and readiness fails")]
    public static partial void SnapshotWithoutProxyModel(ILogger logger, string hash);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "Manual apply through the admin endpoint by {User}: {Result}")]
    public static partial void ManualApply(ILogger logger, string user, string result);

    [LoggerMessage(EventId = 7006, Level = LogLevel.Warning, Message = "Rollback to {Hash} through the admin endpoint by {User}: {Result}")]
    public static partial void AdminRollback(ILogger logger, string hash, string user, string result);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Debug, Message = "Validated a YARP configuration: {RouteCount} routes ({ReusedRoutes} unchanged from the one YARP routes with, {ValidatedRoutes} through YARP's validators), {ClusterCount} clusters ({ReusedClusters} unchanged, {ValidatedClusters} validated), {ErrorCount} errors")]
    public static partial void ConfigValidated(ILogger logger, int routeCount, int reusedRoutes, int validatedRoutes, int clusterCount, int reusedClusters, int validatedClusters, int errorCount);
}
