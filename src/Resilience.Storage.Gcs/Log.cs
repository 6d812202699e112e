using Microsoft.Extensions.Logging;

namespace Resilience.Storage.Gcs;

/// <summary>The GCS store's log lines (event ids 3250-3299).</summary>
internal static partial class Log
{
    [LoggerMessage(3250, LogLevel.Warning, "GCS store {Store}: attempt {Attempt} failed ({Error}); retrying in {Delay}.")]
    public static partial void Retrying(ILogger logger, string store, int attempt, TimeSpan delay, string? error);

    [LoggerMessage(3251, LogLevel.Information, "GCS store {Store} authenticates with {CredentialSource} against {Endpoint}.")]
    public static partial void UsingCredentials(ILogger logger, string store, string credentialSource, string endpoint);

    [LoggerMessage(3252, LogLevel.Warning, "GCS store {Store}: {Variable} is set but ignored: {CredentialSource} is used.")]
    public static partial void EnvironmentVariableIgnored(ILogger logger, string store, string variable, string credentialSource);
}
