using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>The node's own log lines (1040-1049).</summary>
internal static partial class Log
{
    [LoggerMessage(1040, LogLevel.Warning, "The node id cannot be kept in {Path} ({Why}); this run uses {NodeId}, held in memory only: it will change on restart.")]
    public static partial void NodeIdInMemory(ILogger logger, string path, string why, string nodeId);

    [LoggerMessage(1041, LogLevel.Warning, "The node id file {Path} cannot be read ({Why}); a new id is created.")]
    public static partial void NodeIdUnreadable(ILogger logger, string path, string why);
}
