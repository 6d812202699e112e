using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace Resilience.Storage.S3;

/// <summary>The AWS SDK's failures mapped onto the store contract: throttling, 5xx and checksum mismatches are transient; 4xx such as 403 or a missing bucket, and configuration errors, are not.</summary>
internal sealed class S3StoreErrors(StorageLocation location) : StoreErrors
{
    protected override bool? ClassifyClientError(Exception exception) => exception switch
    {
        AmazonServiceException { StatusCode: var status } ex when ex.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "Throttling" or "RequestTimeTooSkewed"
            || (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => true,
        AmazonServiceException { StatusCode: 0 } ex => ex.InnerException is { } inner && IsTransient(inner),
        AmazonServiceException => false,
        // A download whose content does not match its checksum (a torn read, a corrupted transfer): read it again.
        AmazonClientException ex when ex.Message.Contains("hash", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("checksum", StringComparison.OrdinalIgnoreCase) => true,
        AmazonClientException ex => ex.InnerException is { } inner && IsTransient(inner),
        _ => null,
    };

    protected override string? ExplainClientError(Exception exception) => exception switch
    {
        AmazonS3Exception { ErrorCode: "NoSuchBucket" } => $"the bucket '{location.Container}' does not exist",
        AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } ex => $"access denied ({ex.ErrorCode}: {ex.Message}); check the credentials and the bucket policy",
        AmazonServiceException ex => $"{(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}",
        _ => null,
    };
}
