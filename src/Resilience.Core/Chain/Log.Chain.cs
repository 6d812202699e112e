using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The chain's and the apply pipeline's log lines (1xxx), with the chain's cache writes, loads and migrations (2001, 2003, 2010, 2011), start-up imports (3000-3003) and declarative sources (4xxx). Every folder keeps its own lines in a partial <c>Log</c> beside its code.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Serving configuration {Hash} from {Origin}.")]
    public static partial void ConfigApplied(ILogger logger, string hash, ConfigOrigin origin);

    [LoggerMessage(1001, LogLevel.Warning, "Rejected configuration from {Origin} ({Source}) at step {Reason}: {Errors}. The served configuration stays.")]
    public static partial void ConfigRejected(ILogger logger, ConfigOrigin origin, string? source, RejectionReason reason, string errors);

    [LoggerMessage(1002, LogLevel.Debug, "Configuration {Hash} from {Origin} is already served; nothing to do.")]
    public static partial void ConfigUnchanged(ILogger logger, string hash, ConfigOrigin origin);

    [LoggerMessage(1003, LogLevel.Debug, "Configuration {Hash} from {Origin} was superseded by a newer one or a higher tier.")]
    public static partial void ConfigSuperseded(ILogger logger, string hash, ConfigOrigin origin);

    [LoggerMessage(1030, LogLevel.Error, "Applying configuration from {Origin} ({Source}) failed unexpectedly; rejected as {Reason}. The served configuration stays.")]
    public static partial void ApplyFailed(ILogger logger, ConfigOrigin origin, string? source, RejectionReason reason, Exception exception);

    [LoggerMessage(1031, LogLevel.Error, "The {Tier} could not be created; the chain runs without it.")]
    public static partial void TierCreateFailed(ILogger logger, string tier, Exception exception);

    [LoggerMessage(1032, LogLevel.Error, "Start-up: the walk down the chain failed unexpectedly; start-up ends with what is served.")]
    public static partial void StartupWalkFailed(ILogger logger, Exception exception);

    [LoggerMessage(1010, LogLevel.Information, "Start-up: serving the cached configuration while the control plane link connects.")]
    public static partial void StartupFromCache(ILogger logger);

    [LoggerMessage(1011, LogLevel.Information, "Start-up: no usable cache; waiting up to {Timeout} for the control plane.")]
    public static partial void StartupWaitingForControlPlane(ILogger logger, TimeSpan timeout);

    [LoggerMessage(1012, LogLevel.Warning, "Start-up: the control plane gave no configuration ({Why}); trying the next tier.")]
    public static partial void StartupControlPlaneUnavailable(ILogger logger, string why);

    [LoggerMessage(1013, LogLevel.Error, "Start-up: no tier could provide a valid configuration; the node is not ready and keeps waiting for the control plane.")]
    public static partial void StartupNotReady(ILogger logger);

    [LoggerMessage(1014, LogLevel.Information, "Start-up finished: serving from {Origin}.")]
    public static partial void StartupCompleted(ILogger logger, ConfigOrigin origin);

    [LoggerMessage(1020, LogLevel.Information, "Control plane link is {Status} (attempts {Attempts}, last error: {Error}).")]
    public static partial void LinkStateChanged(ILogger logger, ClusterLinkStatus status, int attempts, string? error);

    [LoggerMessage(1021, LogLevel.Error, "Control plane link stopped unexpectedly; the served configuration stays.")]
    public static partial void LinkCrashed(ILogger logger, Exception exception);

    [LoggerMessage(2001, LogLevel.Error, "Writing the cache {Path} failed; the configuration is served but a restart would not find it.")]
    public static partial void CacheWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(2010, LogLevel.Information, "Migrated the cached configuration {Hash} from {From} ({Source}) to the cache {Cache}; the old one is left for the operator to remove.")]
    public static partial void CacheMigrated(ILogger logger, string hash, string from, string? source, string cache);

    [LoggerMessage(2011, LogLevel.Warning, "The configured cache holds nothing usable, and {Leftover} was left by another kind of cache this node does not read ({Hint}).")]
    public static partial void CacheLeftoverNotRead(ILogger logger, string leftover, string hint);

    [LoggerMessage(2003, LogLevel.Error, "Loading the cache {Path} failed; it is ignored and the chain moves to the next tier.")]
    public static partial void CacheLoadFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(3000, LogLevel.Information, "Imported configuration from the fallback store {Store} (key {Key}, exported by {Exporter}).")]
    public static partial void ImportFound(ILogger logger, string store, string key, string exporter);

    [LoggerMessage(3001, LogLevel.Warning, "The fallback store {Store} holds no configuration at {Key}.")]
    public static partial void ImportMissing(ILogger logger, string store, string key);

    [LoggerMessage(3002, LogLevel.Error, "Importing from the fallback store {Store} failed.")]
    public static partial void ImportFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(3003, LogLevel.Warning, "The fallback store {Store} holds {Key} without config-hash metadata (placed by an operator?); it is applied, checked only by the pipeline.")]
    public static partial void ImportWithoutHash(ILogger logger, string store, string key);

    [LoggerMessage(4002, LogLevel.Error, "The declarative source {Source} failed unexpectedly; the chain moves on.")]
    public static partial void SourceFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(4000, LogLevel.Error, "The declarative source {Source} cannot be read.")]
    public static partial void DeclarativeUnreadable(ILogger logger, string source, Exception exception);

    [LoggerMessage(4001, LogLevel.Debug, "The declarative source {Source} holds no configuration.")]
    public static partial void DeclarativeMissing(ILogger logger, string source);
}
