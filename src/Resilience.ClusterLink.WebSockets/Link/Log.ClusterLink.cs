using Microsoft.Extensions.Logging;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>The link's log lines: event ids 5000-5199 plus the chain's rejection line for pushes the link refuses itself.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "Connecting to the control plane {Endpoint} (attempt {Attempt}{Via}).")]
    public static partial void LinkConnecting(ILogger logger, Uri endpoint, int attempt, string via);

    [LoggerMessage(5001, LogLevel.Information, "Connected to the control plane {Endpoint}; said hello with configuration {Hash}.")]
    public static partial void LinkConnected(ILogger logger, Uri endpoint, string? hash);

    [LoggerMessage(5002, LogLevel.Warning, "Connecting to the control plane {Endpoint} failed (attempt {Attempt}): {Error}. {Serving}; retrying in {Delay}.")]
    public static partial void LinkConnectFailed(ILogger logger, Uri endpoint, int attempt, string error, string serving, TimeSpan delay);

    [LoggerMessage(5003, LogLevel.Warning, "The connection to the control plane {Endpoint} ended: {Error}. {Serving}; reconnecting in {Delay}.")]
    public static partial void LinkLost(ILogger logger, Uri endpoint, string error, string serving, TimeSpan delay);

    [LoggerMessage(5004, LogLevel.Warning, "The control plane sent a bad message ({Reason}): {Error}. Closing the connection; the served configuration is untouched.")]
    public static partial void LinkProtocolViolation(ILogger logger, string reason, string error);

    [LoggerMessage(5005, LogLevel.Debug, "Received configuration {Hash} (version {Version}, {Bytes} bytes) from the control plane.")]
    public static partial void LinkConfigReceived(ILogger logger, string? hash, string? version, int bytes);

    [LoggerMessage(5006, LogLevel.Debug, "Configuration {Hash} was replaced by a newer push before it was applied.")]
    public static partial void LinkConfigDropped(ILogger logger, string? hash);

    [LoggerMessage(5007, LogLevel.Information, "Pushed configuration {Hash}: {Outcome} in {Elapsed}.")]
    public static partial void LinkConfigHandled(ILogger logger, string? hash, ApplyOutcome outcome, TimeSpan elapsed);

    [LoggerMessage(5008, LogLevel.Warning, "No message from the control plane for {Timeout}; the connection is considered dead.")]
    public static partial void LinkHeartbeatTimeout(ILogger logger, TimeSpan timeout);

    [LoggerMessage(5009, LogLevel.Debug, "Heartbeat sent with configuration {Hash}.")]
    public static partial void LinkHeartbeatSent(ILogger logger, string? hash);

    [LoggerMessage(5010, LogLevel.Warning, "The control plane certificate was refused: {Why}.")]
    public static partial void LinkServerCertificateRefused(ILogger logger, string why);

    [LoggerMessage(5011, LogLevel.Warning, "The proxy certificate was refused: {Why}.")]
    public static partial void LinkProxyCertificateRefused(ILogger logger, string why);

    [LoggerMessage(5013, LogLevel.Debug, "The control plane sent '{Type}'.")]
    public static partial void LinkControlReceived(ILogger logger, string type);

    [LoggerMessage(5014, LogLevel.Debug, "Configuration {Hash} made from a delta of {BaseHash}: a patch of {PatchBytes} bytes gave {Bytes} bytes, hash checked.")]
    public static partial void LinkDeltaPatched(ILogger logger, string? hash, string? baseHash, int patchBytes, int bytes);

    [LoggerMessage(5015, LogLevel.Warning, "Could not use the delta to configuration {Hash} ({Reason}): {Error}. Asking the control plane for the whole configuration; still serving {Served}.")]
    public static partial void LinkDeltaRefused(ILogger logger, string? hash, string reason, string error, string? served);

    [LoggerMessage(5016, LogLevel.Warning, "The control plane {Endpoint} is busy (attempt {Attempt}): {Error}. {Serving}; retrying in {Delay} as it asked (Retry-After {RetryAfter}, never below the reconnect minimum, capped, with jitter).")]
    public static partial void LinkControlPlaneBusy(ILogger logger, Uri endpoint, int attempt, string error, TimeSpan retryAfter, string serving, TimeSpan delay);

    [LoggerMessage(5100, LogLevel.Warning, "Connecting to the control plane {Endpoint} failed (attempt {Attempt}): {Error}. Trying the next endpoint {Next} at once.")]
    public static partial void LinkEndpointFailed(ILogger logger, Uri endpoint, int attempt, string error, Uri next);

    [LoggerMessage(5017, LogLevel.Information, "The control plane asks to roll back to {Hash} ({Actor}: {Reason}).")]
    public static partial void LinkRollbackReceived(ILogger logger, string? hash, string? actor, string? reason);

    [LoggerMessage(5018, LogLevel.Information, "The control plane's rollback to {Hash}: {Outcome} {Errors}.")]
    public static partial void LinkRollbackHandled(ILogger logger, string? hash, ApplyOutcome outcome, string? errors);

    [LoggerMessage(5019, LogLevel.Information, "Told the control plane: {Kind} from {From} to {To}.")]
    public static partial void LinkRollbackReported(ILogger logger, ConfigRollbackKind kind, string from, string to);

    [LoggerMessage(5020, LogLevel.Warning, "The control plane's rollback to {Hash} was dropped unanswered: it sent more than 8 before the node handled them.")]
    public static partial void LinkRollbackDropped(ILogger logger, string? hash);

    [LoggerMessage(5021, LogLevel.Warning, "The control plane's bake request for configuration {Hash} is ignored ({Why}): the node bakes it with its own settings.")]
    public static partial void LinkBakeRequestIgnored(ILogger logger, string? hash, string? why);

    [LoggerMessage(5012, LogLevel.Information, "The control plane link stopped.")]
    public static partial void LinkStopped(ILogger logger);

    /// <summary>The chain's line (Core's event 1001, same text), for a push the link refuses before the chain sees it.</summary>
    [LoggerMessage(1001, LogLevel.Warning, "Rejected configuration from {Origin} ({Source}) at step {Reason}: {Errors}. The served configuration stays.")]
    public static partial void ConfigRejected(ILogger logger, ConfigOrigin origin, string? source, RejectionReason reason, string errors);
}
