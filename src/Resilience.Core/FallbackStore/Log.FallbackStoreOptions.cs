using Microsoft.Extensions.Logging;

namespace Resilience;

/// <summary>Configuration and environment warnings of the fallback store (event ids 1200-1249).</summary>
internal static partial class Log
{
    [LoggerMessage(1200, LogLevel.Warning, "Environment variable {Variable}={Value} is the reference's name and is ignored: this library reads {Instead}. In force: {InForce}.")]
    public static partial void ReferenceVariableIgnored(ILogger logger, string variable, string value, string instead, string inForce);
}
