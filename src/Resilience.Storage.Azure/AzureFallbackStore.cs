using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Resilience.Storage.Azure;

/// <summary>
/// A fallback store in an Azure Blob Storage container, over the official client (<see cref="BlobContainerClient"/>):
/// a read is one download whose content, metadata and ETag belong to the same version of the blob, checked against
/// its Content-MD5; an upload is one Put Blob with the content, its MD5 (checked by the service) and the metadata;
/// writes conditional on the ETag (<c>If-Match</c>, or <c>If-None-Match: *</c> to create only) give the election the
/// guarantee it has on GCS. The store's retry budget is the only one (the client's retries are off); permanent
/// failures (401, 403, a missing container, 400) fail at once (<see cref="AzureStoreErrors"/>).
/// </summary>
internal sealed class AzureFallbackStore : CloudFallbackStore<AzureFallbackStoreOptions>, IConditionalFallbackStore
{
    private const string ContentType = "application/json";
    private readonly BlobContainerClient _container;

    public AzureFallbackStore(BlobContainerClient container, StorageLocation location, AzureFallbackStoreOptions options, StoreOperations operations)
        : base(location, options, operations)
    {
        _container = container;
    }

    public override ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        Operations.RunAsync("reading", key, async ct =>
        {
            Response<BlobDownloadStreamingResult> response;
            try
            {
                response = await _container.GetBlobClient(Location.ObjectKey(key)).DownloadStreamingAsync(cancellationToken: ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound)
            {
                return null;
            }

            using var result = response.Value;
            var details = result.Details;
            ThrowIfOverLimit(key, details.ContentLength, maxBytes);

            var content = await BoundedRead.ReadAsync(result.Content, maxBytes, key, ct).ConfigureAwait(false);
            if (details.ContentHash is { Length: > 0 } expected && !MD5.HashData(content).AsSpan().SequenceEqual(expected))
            {
                // A torn or corrupted transfer: an IOException, so the budget reads it again.
                throw new IOException($"{Description}/{key}: the content read does not match the blob's Content-MD5");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in details.Metadata)
            {
                metadata[AzureMetadataNames.Decode(name)] = value;
            }

            return (StoredObject?)new StoredObject(key, content, metadata, details.LastModified) { Version = VersionOf(details.ETag) };
        }, cancellationToken);

    public override async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        await WriteAsync(key, content, metadata, conditions: null, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var conditions = expectedVersion is null
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag($"\"{expectedVersion.Trim('"')}\"") };
        return WriteAsync(key, content, metadata, conditions, cancellationToken);
    }

    public override ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        Operations.RunAsync("listing", keyPrefix, async ct =>
        {
            var results = new List<StoredObjectInfo>();
            var pages = _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Location.ObjectKey(keyPrefix), ct).AsPages(pageSizeHint: Options.ListPageSize);
            await foreach (var page in pages.ConfigureAwait(false))
            {
                foreach (var item in page.Values)
                {
                    results.Add(new StoredObjectInfo(Location.RelativeKey(item.Name), item.Properties.ContentLength ?? 0, item.Properties.LastModified ?? DateTimeOffset.MinValue)
                    {
                        Version = item.Properties.ETag is { } etag ? VersionOf(etag) : null,
                    });
                }
            }

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public override async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await Operations.RunAsync("deleting", key, async ct =>
        {
            try
            {
                await _container.GetBlobClient(Location.ObjectKey(key)).DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound)
            {
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A download's header carries the ETag quoted, a listing's XML bare: one spelling for <see cref="StoredObject.Version"/>.</summary>
    private static string VersionOf(ETag etag) => etag.ToString().Trim('"');

    private ValueTask<bool> WriteAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var body = BinaryData.FromBytes(content.ToArray());
        var encoded = new Dictionary<string, string>(metadata.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in metadata)
        {
            encoded[AzureMetadataNames.Encode(name)] = value;
        }

        return Operations.RunAsync("writing", key, async ct =>
        {
            var upload = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = ContentType },
                Metadata = encoded,
                Conditions = conditions,

                // Content-MD5 on the Put Blob: the service refuses a body that does not match and keeps the hash,
                // which a read checks.
                TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
            };
            try
            {
                await _container.GetBlobClient(Location.ObjectKey(key)).UploadAsync(body, upload, ct).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (conditions is not null
                && (ex.Status == 412 || ex.ErrorCode == BlobErrorCode.ConditionNotMet || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists))
            {
                // Someone else wrote the blob since it was read (If-Match), or it exists already (If-None-Match: *).
                return false;
            }

            return true;
        }, cancellationToken);
    }
}
