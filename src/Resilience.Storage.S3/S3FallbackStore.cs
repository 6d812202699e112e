using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Resilience.Storage.S3;

/// <summary>
/// A fallback store in an S3 bucket or an S3-compatible server. Keys live under the URI's prefix;
/// metadata is stored as <c>x-amz-meta-*</c>. Transient failures are retried within the configured
/// budget; permanent ones (access denied, no such bucket, bad request) fail at once (<see cref="S3StoreErrors"/>).
/// </summary>
internal sealed class S3FallbackStore : CloudFallbackStore<S3FallbackStoreOptions>, IDisposable
{
    private const string MetadataHeaderPrefix = "x-amz-meta-";
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;

    /// <param name="client">The client.</param>
    /// <param name="location">Bucket and prefix.</param>
    /// <param name="options">The store's options.</param>
    /// <param name="operations">The retry budget and error mapping.</param>
    /// <param name="ownsClient">Whether the store created the client (and disposes it), or it belongs to the container.</param>
    public S3FallbackStore(IAmazonS3 client, StorageLocation location, S3FallbackStoreOptions options, StoreOperations operations, bool ownsClient = true)
        : base(location, options, operations)
    {
        _client = client;
        _ownsClient = ownsClient;
    }

    public override ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        Operations.RunAsync("reading", key, async ct =>
        {
            GetObjectResponse response;
            try
            {
                response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = Location.Container, Key = Location.ObjectKey(key) }, ct).ConfigureAwait(false);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or null or "")
            {
                return null;
            }

            using (response)
            {
                ThrowIfOverLimit(key, response.ContentLength, maxBytes);

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

    public override async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        await Operations.RunAsync("writing", key, async ct =>
        {
            var request = new PutObjectRequest
            {
                BucketName = Location.Container,
                Key = Location.ObjectKey(key),
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

            if (Options.ServerSideEncryption is { Length: > 0 } sse)
            {
                request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(sse);
                if (Options.KmsKeyId is { Length: > 0 } kmsKeyId)
                {
                    request.ServerSideEncryptionKeyManagementServiceKeyId = kmsKeyId;
                }
            }

            await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        Operations.RunAsync("listing", keyPrefix, async ct =>
        {
            var results = new List<StoredObjectInfo>();
            string? continuation = null;
            do
            {
                var response = await _client.ListObjectsV2Async(
                    new ListObjectsV2Request { BucketName = Location.Container, Prefix = Location.ObjectKey(keyPrefix), ContinuationToken = continuation },
                    ct).ConfigureAwait(false);
                foreach (var item in response.S3Objects ?? [])
                {
                    var modified = item.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
                    results.Add(new StoredObjectInfo(Location.RelativeKey(item.Key), item.Size ?? 0, modified) { Version = item.ETag });
                }

                continuation = response.IsTruncated == true ? response.NextContinuationToken : null;
            }
            while (continuation is not null);

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public override async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await Operations.RunAsync("deleting", key, async ct =>
        {
            try
            {
                await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Container, Key = Location.ObjectKey(key) }, ct).ConfigureAwait(false);
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
}
