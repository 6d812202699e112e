using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>The publisher's own log lines (event ids 3300-3349).</summary>
internal static partial class Log
{
    [LoggerMessage(3300, LogLevel.Warning, "Refused to publish a YAML configuration ({Reason}): {Error}. The latest published configuration stays.")]
    public static partial void YamlRefused(ILogger logger, RejectionReason reason, string error);

    [LoggerMessage(3301, LogLevel.Information, "Built the delta from configuration {BaseHash} to {Hash}: a patch of {PatchBytes} bytes, a message of {MessageBytes} bytes against {FullBytes} for the whole configuration, in {Elapsed}.")]
    public static partial void DeltaBuilt(ILogger logger, string baseHash, string hash, int patchBytes, int messageBytes, int fullBytes, TimeSpan elapsed);

    [LoggerMessage(3302, LogLevel.Information, "No delta from configuration {BaseHash} to {Hash} ({Why}); nodes that serve it get the whole configuration.")]
    public static partial void DeltaNotWorthIt(ILogger logger, string baseHash, string hash, string why);
}
