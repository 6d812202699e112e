using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The bake's log lines (1150-1199).</summary>
internal static partial class Log
{
    [LoggerMessage(1150, LogLevel.Information, "Baking configuration {Hash} for {Duration} (failed share before the apply {Baseline:P1}).")]
    public static partial void BakeStarted(ILogger logger, string hash, TimeSpan duration, double baseline);

    [LoggerMessage(1151, LogLevel.Information, "Configuration {Hash} passed its bake: {Why}.")]
    public static partial void BakePassed(ILogger logger, string hash, string why);

    [LoggerMessage(1152, LogLevel.Warning, "The bake of configuration {Hash} could not decide ({Why}); the node keeps it.")]
    public static partial void BakeUndecided(ILogger logger, string hash, string why);

    [LoggerMessage(1153, LogLevel.Error, "Configuration {Hash} failed its bake ({Why}); the node went back to {Previous}.")]
    public static partial void BakeReverted(ILogger logger, string hash, string why, string? previous);

    [LoggerMessage(1154, LogLevel.Error, "Configuration {Hash} failed its bake ({Why}) but the node keeps serving it: {WhyNot}.")]
    public static partial void BakeFailedKept(ILogger logger, string hash, string why, string whyNot);

    [LoggerMessage(1155, LogLevel.Warning, "A bake signal ({Signal}) failed to answer; it decides nothing this round.")]
    public static partial void BakeSignalFailed(ILogger logger, string signal, Exception exception);

    [LoggerMessage(1156, LogLevel.Information, "Configuration {Hash} bakes with the control plane's stricter request ({Request}): detection window {Window}, evaluation every {Interval}, at least {MinimumRequests} requests, failed share increase at most {MaxIncrease:P1}.")]
    public static partial void BakeTightened(ILogger logger, string hash, string request, TimeSpan window, TimeSpan interval, long minimumRequests, double maxIncrease);

    [LoggerMessage(1157, LogLevel.Warning, "The control plane's bake request for configuration {Hash} is ignored ({Why}); it bakes with the node's own settings.")]
    public static partial void BakeRequestIgnored(ILogger logger, string hash, string why);
}
