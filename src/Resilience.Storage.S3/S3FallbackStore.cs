using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Polly;
using Polly.Timeout;

namespace Resilience.Storage.S3;

/// <summary>
/// A fallback store in an S3 bucket or an S3-compatible server. Keys live under the URI's prefix;
/// metadata is stored as <c>x-amz-meta-*</c>. Transient failures are retried within the configured
/// budget; permanent ones (access denied, no such bucket, bad request) fail at once.
/// </summary>
internal sealed class S3FallbackStore : IRetryingFallbackStore, IDisposable
{
    private const string MetadataHeaderPrefix = "x-amz-meta-";
    private readonly IAmazonS3 _client;
    private readonly S3StorageLocation _location;
    private readonly S3FallbackStoreOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly bool _ownsClient;

    /// <param name="client">The client.</param>
    /// <param name="location">Bucket and prefix.</param>
    /// <param name="options">The store's options.</param>
    /// <param name="pipeline">The retry budget.</param>
    /// <param name="ownsClient">Whether the store created the client (and disposes it), or it belongs to the container.</param>
    public S3FallbackStore(IAmazonS3 client, S3StorageLocation location, S3FallbackStoreOptions options, ResiliencePipeline pipeline, bool ownsClient = true)
    {
        _client = client;
        _ownsClient = ownsClient;
        _location = location;
        _options = options;
        _pipeline = pipeline;
    }

    public string Description => _location.Description;

    public TimeSpan RetryBudget => _options.TotalTimeout;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        RunAsync("reading", key, async ct =>
        {
            GetObjectResponse response;
            try
            {
                response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _location.Bucket, Key = _location.ObjectKey(key) }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or null or "")
            {
                return null;
            }

            using (response)
            {
                if (response.ContentLength > maxBytes)
                {
                    throw new FallbackStoreException($"{Description}/{key} is {response.ContentLength} bytes, over the limit of {maxBytes}");
                }

                var content = await BoundedRead.ReadAsync(response.ResponseStream, maxBytes, key, ct).ConfigureAwait(false);
                var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var name in response.Metadata.Keys)
                {
                    var bare = name.StartsWith(MetadataHeaderPrefix, StringComparison.OrdinalIgnoreCase) ? name[MetadataHeaderPrefix.Length..] : name;
                    metadata[bare] = response.Metadata[name];
                }

                var modified = response.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                return (StoredObject?)new StoredObject(key, content, metadata, modified) { Version = response.ETag };
            }
        }, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        await RunAsync("writing", key, async ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = _location.Bucket,
                Key = _location.ObjectKey(key),
                InputStream = new MemoryStream(content.ToArray(), writable: false),
                ContentType = "application/json",

                // S3-compatible servers (s3rver, older MinIO) store aws-chunked bodies verbatim.
                UseChunkEncoding = false,
                AutoCloseStream = true,
            };
            foreach (var (name, value) in metadata)
            {
                request.Metadata[name] = value;
            }

            if (_options.ServerSideEncryption is { Length: > 0 } sse)
            {
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(sse);
                if (_options.KmsKeyId is { Length: > 0 } kmsKeyId)
                {
                    request.ServerSideEncryptionKeyManagementServiceKeyId = kmsKeyId;
                }
            }

            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        RunAsync("listing", keyPrefix, async ct =>
        {
            var results = new List<StoredObjectInfo>();
            string? continuation = null;
            do
            {
                var response = await _client.ListObjectsV2Async(
                    new ListObjectsV2Request { BucketName = _location.Bucket, Prefix = _location.ObjectKey(keyPrefix), ContinuationToken = continuation },
                    ct).ConfigureAwait(false);
                foreach (var item in response.S3Objects ?? [])
                {
                    var modified = item.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                    results.Add(new StoredObjectInfo(_location.RelativeKey(item.Key), item.Size ?? 0, modified) { Version = item.ETag });
                }

                continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
            }
            while (continuation is not null);

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await RunAsync("deleting", key, async ct =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _location.Bucket, Key = _location.ObjectKey(key) }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or null or "")
            {
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    /// <summary>Whether retrying may help: throttling, 5xx, timeouts, network errors and checksum mismatches; not 4xx such as 403 or a missing bucket, nor configuration errors.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException { StatusCode: var status } ex when ex.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "Throttling" or "RequestTimeTooSkewed"
            || (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => true,
        AmazonServiceException { StatusCode: 0 } ex => ex.InnerException is { } inner && IsTransient(inner),
        AmazonServiceException => false,
        // A download whose content does not match its checksum (a torn read, a corrupted transfer): read it again.
        AmazonClientException ex when ex.Message.Contains("hash", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("checksum", StringComparison.OrdinalIgnoreCase) => true,
        AmazonClientException ex => ex.InnerException is { } inner && IsTransient(inner),
        HttpRequestException or IOException or SocketException or TimeoutException or TimeoutRejectedException => true,
        TaskCanceledException => true,
        _ => false,
    };

    private async ValueTask<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static async (action, ct) => await action(ct).ConfigureAwait(false), action, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (FallbackStoreException)
        {
            throw;
        }
        catch (Exception ex)
        {
            var transient = IsTransient(ex);
            throw new FallbackStoreException($"{operation} {Description}/{key} failed{(transient ? " after retries" : string.Empty)}: {Explain(ex)}", ex) { IsTransient = transient };
        }
    }

    private string Explain(Exception exception) => exception switch
    {
        TimeoutRejectedException => $"no answer within the budget ({_options.TotalTimeout} total, {_options.AttemptTimeout} per attempt)",
        AmazonS3Exception { ErrorCode: "NoSuchBucket" } => $"the bucket '{_location.Bucket}' does not exist",
        AmazonServiceException { StatusCode: HttpStatusCode.Forbidden } ex => $"access denied ({ex.ErrorCode}: {ex.Message}); check the credentials and the bucket policy",
        AmazonServiceException ex => $"{(int)ex.StatusCode} {ex.ErrorCode}: {ex.Message}",
        _ => exception.Message,
    };
}
