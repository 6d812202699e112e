using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The exporter's log lines (event ids 3100-3199).</summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "Exporter {NodeId} is now the elected exporter for {Store} (version {Version}).")]
    public static partial void ExporterElected(ILogger logger, string nodeId, string store, string version);

    [LoggerMessage(3101, LogLevel.Information, "Exporter {NodeId} is no longer the elected exporter; {Leader} holds the lead now.")]
    public static partial void ExporterDemoted(ILogger logger, string nodeId, string leader);

    [LoggerMessage(3102, LogLevel.Information, "Exported configuration {Hash} to {Store} ({Key}).")]
    public static partial void ConfigExported(ILogger logger, string hash, string store, string key);

    [LoggerMessage(3103, LogLevel.Error, "Exporting configuration {Hash} to {Store} failed; retrying on the next round.")]
    public static partial void ExportFailed(ILogger logger, string hash, string store, Exception exception);

    [LoggerMessage(3104, LogLevel.Warning, "Election round against {Store} failed at {Step}; this node does not export until a round succeeds.")]
    public static partial void ElectionRoundFailed(ILogger logger, string store, string step, Exception exception);

    [LoggerMessage(3105, LogLevel.Debug, "Election round {Round}: {Fresh} fresh registration(s), leader {Leader}, this node leads: {IsLeader}.")]
    public static partial void ElectionRound(ILogger logger, long round, int fresh, string? leader, bool isLeader);

    [LoggerMessage(3106, LogLevel.Debug, "The fallback store already holds configuration {Hash}; nothing to export.")]
    public static partial void ExportUnchanged(ILogger logger, string hash);

    // 3107 ("the next export uploads unconditionally") is retired: an exporter never uploads without reading the stored hash first (3115).

    [LoggerMessage(3108, LogLevel.Information, "Exporter {NodeId} withdrew its election registration from {Store}.")]
    public static partial void ExporterResigned(ILogger logger, string nodeId, string store);

    [LoggerMessage(3109, LogLevel.Warning, "Withdrawing the election registration from {Store} failed; it expires after the freshness window.")]
    public static partial void ExporterResignFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(3110, LogLevel.Information, "Exporter started for {Store}: version {Version}, node {NodeId}, interval {Interval}, grace {Grace}, export delay {Delay}.")]
    public static partial void ExporterStarted(ILogger logger, string store, string version, string nodeId, TimeSpan interval, TimeSpan grace, TimeSpan delay);

    [LoggerMessage(3111, LogLevel.Error, "The exporter loop stopped unexpectedly; this node no longer exports.")]
    public static partial void ExporterCrashed(ILogger logger, Exception exception);

    [LoggerMessage(3112, LogLevel.Information, "Exporter {NodeId} stopped; it no longer exports.")]
    public static partial void ExporterStopped(ILogger logger, string nodeId);

    [LoggerMessage(3113, LogLevel.Warning, "Election round against {Store} took longer than the grace ({Grace}) at {Step}; this node does not export until a round completes in time.")]
    public static partial void ElectionRoundOverran(ILogger logger, string store, TimeSpan grace, string step);

    [LoggerMessage(3114, LogLevel.Information, "The fallback store {Store} changed while configuration {Hash} was being exported (another exporter wrote it first); the next round reads it again.")]
    public static partial void ExportRaced(ILogger logger, string store, string hash);

    [LoggerMessage(3115, LogLevel.Warning, "Reading the exported configuration from {Store} failed; configuration {Hash} is not uploaded until a round can check what the store holds.")]
    public static partial void ExportedHashUnknown(ILogger logger, string store, string hash, Exception exception);

    [LoggerMessage(3116, LogLevel.Information, "Exporter {NodeId} claims the lead (term {Term}); it exports once the claim has stood for the grace ({Grace}).")]
    public static partial void LeadClaimed(ILogger logger, string nodeId, long term, TimeSpan grace);

    [LoggerMessage(3117, LogLevel.Information, "Exporter {NodeId} withdraws its claim to the lead (term {Term}): {Leader} holds a claim that wins (term {LeaderTerm}).")]
    public static partial void LeadClaimWithdrawn(ILogger logger, string nodeId, long term, string leader, long leaderTerm);

    [LoggerMessage(3118, LogLevel.Information, "Exporter {NodeId} pauses exporting: {Reason}.")]
    public static partial void ExporterPaused(ILogger logger, string nodeId, string reason);
}
