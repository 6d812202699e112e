using System.Net;
using Google;
using Google.Apis.Auth.OAuth2.Responses;

namespace Resilience.Storage.Gcs;

/// <summary>Google's client failures mapped onto the store contract: 408, 429, 5xx and token-endpoint outages are transient; 400, 401, 403, 412 and a missing bucket are not.</summary>
internal sealed class GcsStoreErrors(StorageLocation location, string credentialSource) : StoreErrors
{
    public static bool IsMissingBucket(GoogleApiException exception) =>
        exception.HttpStatusCode == HttpStatusCode.NotFound
        && (exception.Error?.Message ?? exception.Message).Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);

    protected override bool? ClassifyClientError(Exception exception) => exception switch
    {
        GoogleApiException { HttpStatusCode: 0 } ex => ex.InnerException is { } inner && IsTransient(inner),
        GoogleApiException { HttpStatusCode: var status } => (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        TokenResponseException { StatusCode: var status } => status is null || (int)status >= 500 || status is HttpStatusCode.TooManyRequests,
        _ => null,
    };

    protected override string? ExplainClientError(Exception exception) => exception switch
    {
        GoogleApiException ex when IsMissingBucket(ex) => $"the bucket '{location.Container}' does not exist",
        GoogleApiException { HttpStatusCode: HttpStatusCode.Forbidden } ex => $"access denied ({ex.Error?.Message ?? ex.Message}); check the service account's roles on the bucket",
        GoogleApiException { HttpStatusCode: HttpStatusCode.Unauthorized } ex => $"not authenticated ({ex.Error?.Message ?? ex.Message}); check {credentialSource}",
        GoogleApiException ex => $"{(int)ex.HttpStatusCode} {ex.Error?.Errors?.FirstOrDefault()?.Reason}: {ex.Error?.Message ?? ex.Message}",
        TokenResponseException ex => $"getting an access token from {credentialSource} failed: {ex.Error?.Error} {ex.Error?.ErrorDescription}",
        _ => null,
    };
}
