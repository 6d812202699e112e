using Microsoft.Extensions.Logging;

namespace Resilience.Storage.S3;

/// <summary>The S3 store's log lines (event ids 3200-3249).</summary>
internal static partial class Log
{
    [LoggerMessage(3200, LogLevel.Warning, "S3 store {Store}: attempt {Attempt} failed ({Error}); retrying in {Delay}.")]
    public static partial void Retrying(ILogger logger, string store, int attempt, TimeSpan delay, string? error);

    [LoggerMessage(3201, LogLevel.Information, "S3 store {Store} uses endpoint {Endpoint} with path-style addressing.")]
    public static partial void UsingEndpoint(ILogger logger, string store, string endpoint);

    [LoggerMessage(3202, LogLevel.Information, "S3 store {Store} uses the IAmazonS3 registered in the container ({Endpoint}); its endpoint, region and credentials apply, the store's Endpoint, Region and Credentials options do not.")]
    public static partial void UsingRegisteredClient(ILogger logger, string store, string endpoint);

    [LoggerMessage(3203, LogLevel.Warning, "S3 store {Store}: the registered IAmazonS3 retries each request {MaxErrorRetry} times itself, inside every attempt of the store's retry budget; set its MaxErrorRetry to 0 so the budget is the only one.")]
    public static partial void RegisteredClientRetries(ILogger logger, string store, int maxErrorRetry);

    [LoggerMessage(3204, LogLevel.Warning, "S3 store {Store}: {Variable} is set ({Value}) but ignored: {Reason}.")]
    public static partial void EnvironmentVariableIgnored(ILogger logger, string store, string variable, string value, string reason);
}
