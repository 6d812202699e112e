using System.Net;

namespace Resilience.Storage.Gcs;

/// <summary>A JSON API request answered with an error status.</summary>
internal sealed class GcsRequestException : Exception
{
    public GcsRequestException(HttpStatusCode status, string? reason, string message)
        : base(message)
    {
        Status = status;
        Reason = reason;
    }

    public HttpStatusCode Status { get; }

    /// <summary>Gets the first error reason (<c>notFound</c>, <c>forbidden</c>, <c>conditionNotMet</c>, ...), if the body had one.</summary>
    public string? Reason { get; }

    /// <summary>Gets a value indicating whether a 404 is about the bucket, not the object.</summary>
    public bool IsMissingBucket => Status == HttpStatusCode.NotFound && Message.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);
}
