using System.Globalization;
using System.Net;
using Google;
using Google.Cloud.Storage.V1;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace Resilience.Storage.Gcs;

/// <summary>
/// A fallback store in a Google Cloud Storage bucket, over the official client (<see cref="StorageClient"/>): object
/// metadata then the content pinned to the same generation for reads (the client checks the download's hashes),
/// uploads with the content and custom metadata in one object write, paged listing, delete, and writes conditional
/// on the generation (<c>ifGenerationMatch</c>). The store's retry budget is the only one (the client's retries are
/// off); permanent failures (401, 403, missing bucket, 400) fail at once (<see cref="GcsStoreErrors"/>).
/// </summary>
internal sealed class GcsFallbackStore : CloudFallbackStore<GcsFallbackStoreOptions>, IConditionalFallbackStore, IDisposable
{
    private const int MaxGenerationRaces = 3;
    private const string ContentType = "application/json";
    private readonly GcsClientSource _clients;

    public GcsFallbackStore(GcsClientSource clients, StorageLocation location, GcsFallbackStoreOptions options, StoreOperations operations)
        : base(location, options, operations)
    {
        _clients = clients;
    }

    public override ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        RunAsync("reading", key, async (client, ct) =>
        {
            for (var race = 0; ; race++)
            {
                GcsObject resource;
                try
                {
                    resource = await client.GetObjectAsync(Location.Container, Location.ObjectKey(key), new GetObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound && !GcsStoreErrors.IsMissingBucket(ex))
                {
                    return null;
                }

                ThrowIfOverLimit(key, (long)Math.Min(resource.Size ?? 0, long.MaxValue), maxBytes);

                // Pin the content to the generation whose metadata we read: never a mix of two writes.
                using var content = new BoundedBufferStream(maxBytes, key);
                try
                {
                    await client.DownloadObjectAsync(resource, content, new DownloadObjectOptions { IfGenerationMatch = resource.Generation }, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex) when (ex.HttpStatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound && race < MaxGenerationRaces)
                {
                    continue;
                }

                var metadata = resource.Metadata is null
                    ? new Dictionary<string, string>()
                    : new Dictionary<string, string>(resource.Metadata, StringComparer.Ordinal);
                return (StoredObject?)new StoredObject(key, content.ToArray(), metadata, resource.UpdatedDateTimeOffset ?? DateTimeOffset.MinValue)
                {
                    Version = VersionOf(resource),
                };
            }
        }, cancellationToken);

    public override async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        await WriteAsync(key, content, metadata, ifGenerationMatch: null, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> TryPutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, string? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        long generation = 0; // GCS: ifGenerationMatch=0 writes only when no live object exists.
        if (expectedVersion is not null && !long.TryParse(expectedVersion, NumberStyles.None, CultureInfo.InvariantCulture, out generation))
        {
            throw new ArgumentException($"'{expectedVersion}' is not a GCS generation (a StoredObject.Version this store returned)", nameof(expectedVersion));
        }

        return WriteAsync(key, content, metadata, generation, cancellationToken);
    }

    public override ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        RunAsync("listing", keyPrefix, async (client, ct) =>
        {
            var results = new List<StoredObjectInfo>();
            var pages = client.ListObjectsAsync(
                Location.Container,
                Location.ObjectKey(keyPrefix),
                new ListObjectsOptions { PageSize = Options.ListPageSize, RetryOptions = RetryOptions.Never }).AsRawResponses();
            await foreach (var page in pages.WithCancellation(ct).ConfigureAwait(false))
            {
                foreach (var item in page.Items ?? [])
                {
                    if (item.Name is null)
                    {
                        continue;
                    }

                    results.Add(new StoredObjectInfo(Location.RelativeKey(item.Name), (long)(item.Size ?? 0), item.UpdatedDateTimeOffset ?? DateTimeOffset.MinValue)
                    {
                        Version = VersionOf(item),
                    });
                }
            }

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public override async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await RunAsync("deleting", key, async (client, ct) =>
        {
            try
            {
                await client.DeleteObjectAsync(Location.Container, Location.ObjectKey(key), new DeleteObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
            }
            catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound && !GcsStoreErrors.IsMissingBucket(ex))
            {
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _clients.Dispose();

    private static string? VersionOf(GcsObject resource) => resource.Generation?.ToString(CultureInfo.InvariantCulture);

    private ValueTask<bool> WriteAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, long? ifGenerationMatch, CancellationToken cancellationToken)
    {
        var bytes = content.ToArray();
        return RunAsync("writing", key, async (client, ct) =>
        {
            var destination = new GcsObject
            {
                Bucket = Location.Container,
                Name = Location.ObjectKey(key),
                ContentType = ContentType,
                Metadata = metadata.Count == 0 ? null : new Dictionary<string, string>(metadata),
            };
            using var source = new MemoryStream(bytes, writable: false);
            try
            {
                await client.UploadObjectAsync(destination, source, new UploadObjectOptions { IfGenerationMatch = ifGenerationMatch }, ct).ConfigureAwait(false);
            }
            catch (GoogleApiException ex) when (ifGenerationMatch is not null && ex.HttpStatusCode == HttpStatusCode.PreconditionFailed)
            {
                return false;
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>Runs one operation within the budget, each attempt with the client (built on first use).</summary>
    private ValueTask<T> RunAsync<T>(string operation, string key, Func<StorageClient, CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        Operations.RunAsync(operation, key, async ct => await action(await _clients.GetAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false), cancellationToken);
}
