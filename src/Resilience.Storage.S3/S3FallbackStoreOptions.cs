using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;

namespace Resilience.Storage.S3;

/// <summary>
/// Settings of the S3 fallback store. The bucket and prefix come from the storage URI
/// (<c>s3://bucket/prefix</c>); region and credentials from the AWS SDK's standard chain unless set here.
/// </summary>
public sealed class S3FallbackStoreOptions : FallbackStoreRetryOptions
{
    /// <summary>The environment variable naming an S3-compatible endpoint (the reference's <c>AWS_CONFIG_STORAGE_ENDPOINT</c>).</summary>
    public const string EndpointEnvironmentVariable = "AWS_CONFIG_STORAGE_ENDPOINT";

    /// <summary>
    /// Gets or sets an S3-compatible endpoint such as <c>http://minio:9000/</c>; requests then use path-style
    /// addressing. Unset: <see cref="EndpointEnvironmentVariable"/>, else AWS S3 in the resolved region.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the region (for example <c>us-east-2</c>). Unset: the SDK's chain (<c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, profile, instance metadata); with an endpoint, <c>us-east-1</c> signs requests.</summary>
    public string? Region { get; set; }

    /// <summary>Gets or sets explicit credentials. Unset: the SDK's chain (<c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>/<c>AWS_SESSION_TOKEN</c>, profiles, web identity, instance and container roles). Not bound from configuration.</summary>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>Gets or sets server-side encryption for uploads: <c>AES256</c>, <c>aws:kms</c> or <c>aws:kms:dsse</c>. Unset: the bucket's default.</summary>
    [RegularExpression("^(AES256|aws:kms|aws:kms:dsse)$")]
    public string? ServerSideEncryption { get; set; }

    /// <summary>Gets or sets the KMS key id or ARN for <c>aws:kms</c> encryption. Unset: the account's default key.</summary>
    public string? KmsKeyId { get; set; }
}
