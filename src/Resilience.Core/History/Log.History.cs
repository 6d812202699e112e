using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The history's and the rollbacks' log lines (1100-1149).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "History: {Count} served configurations kept by {Store}.")]
    public static partial void HistoryLoaded(ILogger logger, int count, string store);

    [LoggerMessage(1101, LogLevel.Information, "The node keeps no configuration history ({Why}): no rollback, no self-revert.")]
    public static partial void HistoryOff(ILogger logger, string why);

    [LoggerMessage(1102, LogLevel.Warning, "The history index of {Store} is damaged ({Why}); the history starts empty. Nothing damaged is served.")]
    public static partial void HistoryIndexDamaged(ILogger logger, string store, string why);

    [LoggerMessage(1103, LogLevel.Error, "Writing the history of {Store} failed; the configuration is served, a restart would not find this history entry.")]
    public static partial void HistoryWriteFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(1104, LogLevel.Error, "Reading the history of {Store} failed.")]
    public static partial void HistoryReadFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(1105, LogLevel.Warning, "History entry {Hash} of {Store} is missing or damaged; it is dropped and never served.")]
    public static partial void HistoryEntryDropped(ILogger logger, string hash, string store);

    [LoggerMessage(1110, LogLevel.Warning, "{Kind} from {From} to {To} ({Actor}: {Reason}); the node refuses {From} until the control plane or an operator applies another configuration.")]
    public static partial void RolledBack(ILogger logger, ConfigRollbackKind kind, string from, string to, string? actor, string? reason);

    [LoggerMessage(1111, LogLevel.Warning, "Rollback to {Hash} ({Actor}) refused ({Reason}): {Errors}. The served configuration stays.")]
    public static partial void RollbackRefused(ILogger logger, string hash, string? actor, RejectionReason reason, string errors);

    [LoggerMessage(1112, LogLevel.Information, "The standing rollbacks end: {Origin} applied configuration {Hash}.")]
    public static partial void RollbacksEnded(ILogger logger, ConfigOrigin origin, string hash);
}
