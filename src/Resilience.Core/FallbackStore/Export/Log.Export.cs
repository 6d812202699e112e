using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The exporter's log lines (event ids 3100-3199).</summary>
internal static partial class Log
{
    [LoggerMessage(3100, LogLevel.Information, "Exporter {NodeId} is now the elected exporter for {Store} (version {Version}).")]
    public static partial void ExporterElected(ILogger logger, string nodeId, string store, string version);

    [LoggerMessage(3101, LogLevel.Information, "Exporter {NodeId} is no longer the elected exporter; the leader is {Leader}.")]
    public static partial void ExporterDemoted(ILogger logger, string nodeId, string? leader);

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

    [LoggerMessage(3107, LogLevel.Warning, "Reading the exported configuration from {Store} failed; the next export uploads unconditionally.")]
    public static partial void ExportedHashUnknown(ILogger logger, string store, Exception exception);

    [LoggerMessage(3108, LogLevel.Information, "Exporter {NodeId} withdrew its election registration from {Store}.")]
    public static partial void ExporterResigned(ILogger logger, string nodeId, string store);

    [LoggerMessage(3109, LogLevel.Warning, "Withdrawing the election registration from {Store} failed; it expires after the freshness window.")]
    public static partial void ExporterResignFailed(ILogger logger, string store, Exception exception);

    [LoggerMessage(3110, LogLevel.Information, "Exporter started for {Store}: version {Version}, node {NodeId}, interval {Interval}, grace {Grace}, export delay {Delay}.")]
    public static partial void ExporterStarted(ILogger logger, string store, string version, string nodeId, TimeSpan interval, TimeSpan grace, TimeSpan delay);

    [LoggerMessage(3111, LogLevel.Error, "The exporter loop stopped unexpectedly; this node no longer exports.")]
    public static partial void ExporterCrashed(ILogger logger, Exception exception);
}
