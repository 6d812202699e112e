using Microsoft.Extensions.Logging;

namespace Resilience.Storage.Azure;

/// <summary>The Azure Blob store's log lines (event ids 3350-3399).</summary>
internal static partial class Log
{
    [LoggerMessage(3350, LogLevel.Warning, "Azure Blob store {Store}: attempt {Attempt} failed ({Error}); retrying in {Delay}.")]
    public static partial void Retrying(ILogger logger, string store, int attempt, TimeSpan delay, string? error);

    [LoggerMessage(3351, LogLevel.Information, "Azure Blob store {Store} authenticates with {CredentialSource} against {Endpoint}.")]
    public static partial void UsingCredentials(ILogger logger, string store, string credentialSource, string endpoint);

    [LoggerMessage(3352, LogLevel.Warning, "Azure Blob store {Store}: {Variable} is set but ignored: {CredentialSource} is used.")]
    public static partial void EnvironmentVariableIgnored(ILogger logger, string store, string variable, string credentialSource);

    [LoggerMessage(3353, LogLevel.Information, "Azure Blob store {Store} uses the BlobServiceClient registered in the container; its own retry policy runs inside every attempt of the store's retry budget unless its options set Retry.MaxRetries = 0.")]
    public static partial void UsingRegisteredClient(ILogger logger, string store);
}
