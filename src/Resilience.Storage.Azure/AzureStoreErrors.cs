using Azure;
using Azure.Identity;
using Azure.Storage.Blobs.Models;

namespace Resilience.Storage.Azure;

/// <summary>
/// The Azure SDK's failures mapped onto the store contract: 408, 429, 5xx, network errors and a download that does not
/// match its Content-MD5 are transient; 400, 401, 403, 404 of the container, 409 and 412, and a credential that is not
/// there, are not.
/// </summary>
internal sealed class AzureStoreErrors(StorageLocation location, string credentialSource) : StoreErrors
{
    protected override bool? ClassifyClientError(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 } ex => ex.InnerException is { } inner && IsTransient(inner),
        RequestFailedException { Status: var status } => status >= 500 || status is 408 or 429,
        CredentialUnavailableException => false,
        AuthenticationFailedException ex => ex.InnerException is { } inner && IsTransient(inner),
        _ => null,
    };

    protected override string? ExplainClientError(Exception exception) => exception switch
    {
        RequestFailedException { ErrorCode: var code } when code == BlobErrorCode.ContainerNotFound => $"the container '{location.Container}' does not exist",
        RequestFailedException { Status: 401 or 403 } ex => $"access denied ({ex.ErrorCode}); check {credentialSource}: its role on the container (Storage Blob Data Contributor), or the SAS's permissions and expiry",
        RequestFailedException ex => $"{ex.Status} {ex.ErrorCode}: {FirstLine(ex.Message)}",
        CredentialUnavailableException ex => $"no credential available to {credentialSource} ({FirstLine(ex.Message)})",
        AuthenticationFailedException ex => $"getting a token for {credentialSource} failed: {FirstLine(ex.Message)}",
        _ => null,
    };

    /// <summary>The SDK's messages go on with the status, the headers and the body; the first line says it.</summary>
    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
