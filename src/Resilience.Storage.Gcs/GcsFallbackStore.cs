using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Cloud.Storage.V1;
using Polly;
using Polly.Timeout;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace Resilience.Storage.Gcs;

/// <summary>
/// A fallback store in a Google Cloud Storage bucket, over the official client (<see cref="StorageClient"/>): object
/// metadata then the content pinned to the same generation for reads (the client checks the download's hashes),
/// uploads with the content and custom metadata in one object write, paged listing, delete, and writes conditional
/// on the generation (<c>ifGenerationMatch</c>). The store's retry budget is the only one (the client's retries are
/// off); permanent failures (401, 403, missing bucket, 400) fail at once.
/// </summary>
internal sealed class GcsFallbackStore : IConditionalFallbackStore, IRetryingFallbackStore, IDisposable
{
    private const int MaxGenerationRaces = 3;
    private const string ContentType = "application/json";
    private readonly GcsClientSource _clients;
    private readonly GcsStorageLocation _location;
    private readonly GcsFallbackStoreOptions _options;
    private readonly ResiliencePipeline _pipeline;

    public GcsFallbackStore(GcsClientSource clients, GcsStorageLocation location, GcsFallbackStoreOptions options, ResiliencePipeline pipeline)
    {
        _clients = clients;
        _location = location;
        _options = options;
        _pipeline = pipeline;
    }

    public string Description => _location.Description;

    public TimeSpan RetryBudget => _options.TotalTimeout;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        RunAsync("reading", key, async (client, ct) =>
        {
            for (var race = 0; ; race++)
            {
                GcsObject resource;
                try
                {
                    resource = await client.GetObjectAsync(_location.Bucket, _location.ObjectKey(key), new GetObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound && !IsMissingBucket(ex))
                {
                    return null;
                }

                if (resource.Size is { } size && size > (ulong)maxBytes)
                {
                    throw new FallbackStoreException($"{Description}/{key} is {size} bytes, over the limit of {maxBytes}");
                }

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

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
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

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        RunAsync("listing", keyPrefix, async (client, ct) =>
        {
            var results = new List<StoredObjectInfo>();
            var pages = client.ListObjectsAsync(
                _location.Bucket,
                _location.ObjectKey(keyPrefix),
                new ListObjectsOptions { PageSize = _options.ListPageSize, RetryOptions = RetryOptions.Never }).AsRawResponses();
            await foreach (var page in pages.WithCancellation(ct).ConfigureAwait(false))
            {
                foreach (var item in page.Items ?? [])
                {
                    if (item.Name is null)
                    {
                        continue;
                    }

                    results.Add(new StoredObjectInfo(_location.RelativeKey(item.Name), (long)(item.Size ?? 0), item.UpdatedDateTimeOffset ?? DateTimeOffset.MinValue)
                    {
                        Version = VersionOf(item),
                    });
                }
            }

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await RunAsync("deleting", key, async (client, ct) =>
        {
            try
            {
                await client.DeleteObjectAsync(_location.Bucket, _location.ObjectKey(key), new DeleteObjectOptions { RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
            }
            catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound && !IsMissingBucket(ex))
            {
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _clients.Dispose();

    /// <summary>Whether retrying may help: 408, 429, 5xx, timeouts and network errors; not 400, 401, 403, 412 or a missing bucket.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        ObjectTooLargeException => false,
        GoogleApiException { HttpStatusCode: 0 } ex => ex.InnerException is { } inner && IsTransient(inner),
        GoogleApiException { HttpStatusCode: var status } => (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        TokenResponseException { StatusCode: var status } => status is null || (int)status >= 500 || status is HttpStatusCode.TooManyRequests,
        FallbackStoreException { IsTransient: var transient } => transient,
        HttpRequestException or IOException or SocketException or TimeoutException or TimeoutRejectedException => true,
        TaskCanceledException => true,
        _ => false,
    };

    private static string? VersionOf(GcsObject resource) => resource.Generation?.ToString(CultureInfo.InvariantCulture);

    private static bool IsMissingBucket(GoogleApiException exception) =>
        exception.HttpStatusCode == HttpStatusCode.NotFound
        && (exception.Error?.Message ?? exception.Message).Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);

    private ValueTask<bool> WriteAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, long? ifGenerationMatch, CancellationToken cancellationToken)
    {
        var bytes = content.ToArray();
        return RunAsync("writing", key, async (client, ct) =>
        {
            var destination = new GcsObject
            {
                Bucket = _location.Bucket,
                Name = _location.ObjectKey(key),
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

    private async ValueTask<T> RunAsync<T>(string operation, string key, Func<StorageClient, CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, ct) => await state.action(await state.clients.GetAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                (action, clients: _clients),
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (FallbackStoreException ex) when (ex.InnerException is null || ex.Message.StartsWith(operation, StringComparison.Ordinal))
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
        ObjectTooLargeException ex => ex.Message,
        GoogleApiException ex when IsMissingBucket(ex) => $"the bucket '{_location.Bucket}' does not exist",
        GoogleApiException { HttpStatusCode: HttpStatusCode.Forbidden } ex => $"access denied ({ex.Error?.Message ?? ex.Message}); check the service account's roles on the bucket",
        GoogleApiException { HttpStatusCode: HttpStatusCode.Unauthorized } ex => $"not authenticated ({ex.Error?.Message ?? ex.Message}); check {_clients.Source}",
        GoogleApiException ex => $"{(int)ex.HttpStatusCode} {ex.Error?.Errors?.FirstOrDefault()?.Reason}: {ex.Error?.Message ?? ex.Message}",
        TokenResponseException ex => $"getting an access token from {_clients.Source} failed: {ex.Error?.Error} {ex.Error?.ErrorDescription}",
        _ => exception.Message,
    };
}
