using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Google.Apis.Auth.OAuth2.Responses;
using Polly;
using Polly.Timeout;

namespace Resilience.Storage.Gcs;

/// <summary>
/// A fallback store in a Google Cloud Storage bucket, over the JSON API with <see cref="HttpClient"/>:
/// multipart upload (content and custom metadata in one request), metadata then <c>alt=media</c> pinned to
/// the same generation for reads, paged listing, delete. Transient failures are retried within the
/// configured budget; permanent ones (401, 403, missing bucket, 400) fail at once.
/// </summary>
internal sealed class GcsFallbackStore : IFallbackStore, IDisposable
{
    private const int MaxGenerationRaces = 3;
    private readonly HttpClient _http;
    private readonly GcsAccessTokenSource _tokens;
    private readonly GcsStorageLocation _location;
    private readonly GcsFallbackStoreOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly string _endpoint;

    public GcsFallbackStore(HttpClient http, GcsAccessTokenSource tokens, GcsStorageLocation location, GcsFallbackStoreOptions options, ResiliencePipeline pipeline)
    {
        _http = http;
        _tokens = tokens;
        _location = location;
        _options = options;
        _pipeline = pipeline;
        _endpoint = (options.Endpoint is { Length: > 0 } endpoint ? endpoint : GcsFallbackStoreFactory.DefaultEndpoint).TrimEnd('/');
    }

    public string Description => _location.Description;

    public ValueTask<StoredObject?> GetAsync(string key, long maxBytes, CancellationToken cancellationToken) =>
        RunAsync("reading", key, async ct =>
        {
            for (var race = 0; ; race++)
            {
                var resource = await GetResourceAsync(key, ct).ConfigureAwait(false);
                if (resource is null)
                {
                    return null;
                }

                var size = long.TryParse(resource.Size, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
                if (size > maxBytes)
                {
                    throw new FallbackStoreException($"{Description}/{key} is {size} bytes, over the limit of {maxBytes}");
                }

                // Pin the content to the generation whose metadata we read: never a mix of two writes.
                using var request = await NewRequestAsync(HttpMethod.Get, $"{ObjectUrl(key)}?alt=media&ifGenerationMatch={Uri.EscapeDataString(resource.Generation ?? "0")}", ct).ConfigureAwait(false);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.NotFound && race < MaxGenerationRaces)
                {
                    continue;
                }

                await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
                byte[] content;
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    content = await BoundedRead.ReadAsync(body, maxBytes, key, ct).ConfigureAwait(false);
                }

                var metadata = resource.Metadata is null
                    ? new Dictionary<string, string>()
                    : new Dictionary<string, string>(resource.Metadata, StringComparer.Ordinal);
                return (StoredObject?)new StoredObject(key, content, metadata, resource.Updated ?? DateTimeOffset.MinValue);
            }
        }, cancellationToken);

    public async ValueTask PutAsync(string key, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var resource = JsonSerializer.SerializeToUtf8Bytes(
            new GcsObject { Name = _location.ObjectKey(key), ContentType = "application/json", Metadata = metadata.Count == 0 ? null : new Dictionary<string, string>(metadata) },
            GcsJsonContext.Default.GcsObject);
        var bytes = content.ToArray();
        await RunAsync("writing", key, async ct =>
        {
            var body = new MultipartContent("related");
            var metadataPart = new ByteArrayContent(resource);
            metadataPart.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "UTF-8" };
            var mediaPart = new ByteArrayContent(bytes);
            mediaPart.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            body.Add(metadataPart);
            body.Add(mediaPart);

            using var request = await NewRequestAsync(HttpMethod.Post, $"{_endpoint}/upload/storage/v1/b/{Uri.EscapeDataString(_location.Bucket)}/o?uploadType=multipart", ct).ConfigureAwait(false);
            request.Content = body;
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<StoredObjectInfo>> ListAsync(string keyPrefix, CancellationToken cancellationToken) =>
        RunAsync("listing", keyPrefix, async ct =>
        {
            var results = new List<StoredObjectInfo>();
            string? pageToken = null;
            do
            {
                var url = $"{_endpoint}/storage/v1/b/{Uri.EscapeDataString(_location.Bucket)}/o?prefix={Uri.EscapeDataString(_location.ObjectKey(keyPrefix))}&maxResults={_options.ListPageSize.ToString(CultureInfo.InvariantCulture)}";
                if (pageToken is not null)
                {
                    url += "&pageToken=" + Uri.EscapeDataString(pageToken);
                }

                using var request = await NewRequestAsync(HttpMethod.Get, url, ct).ConfigureAwait(false);
                using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
                await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
                var page = await response.Content.ReadFromJsonAsync(GcsJsonContext.Default.GcsObjectList, ct).ConfigureAwait(false);
                foreach (var item in page?.Items ?? [])
                {
                    if (item.Name is null)
                    {
                        continue;
                    }

                    var size = long.TryParse(item.Size, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
                    results.Add(new StoredObjectInfo(_location.RelativeKey(item.Name), size, item.Updated ?? DateTimeOffset.MinValue));
                }

                pageToken = string.IsNullOrEmpty(page?.NextPageToken) ? null : page.NextPageToken;
            }
            while (pageToken is not null);

            results.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return (IReadOnlyList<StoredObjectInfo>)results;
        }, cancellationToken);

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await RunAsync("deleting", key, async ct =>
        {
            using var request = await NewRequestAsync(HttpMethod.Delete, ObjectUrl(key), ct).ConfigureAwait(false);
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var error = await ToExceptionAsync(response, ct).ConfigureAwait(false);
                return error.IsMissingBucket ? throw error : true;
            }

            await EnsureSuccessAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Whether retrying may help: 408, 429, 5xx, timeouts and network errors; not 400, 401, 403 or a missing bucket.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        GcsRequestException { Status: var status } => (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        TokenResponseException { StatusCode: var status } => status is null || (int)status >= 500 || status is HttpStatusCode.TooManyRequests,
        FallbackStoreException { IsTransient: var transient } => transient,
        HttpRequestException or IOException or SocketException or TimeoutException or TimeoutRejectedException => true,
        TaskCanceledException => true,
        _ => false,
    };

    private string ObjectUrl(string key) =>
        $"{_endpoint}/storage/v1/b/{Uri.EscapeDataString(_location.Bucket)}/o/{Uri.EscapeDataString(_location.ObjectKey(key))}";

    private async Task<GcsObject?> GetResourceAsync(string key, CancellationToken cancellationToken)
    {
        using var request = await NewRequestAsync(HttpMethod.Get, ObjectUrl(key), cancellationToken).ConfigureAwait(false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var error = await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
            return error.IsMissingBucket ? throw error : null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(GcsJsonContext.Default.GcsObject, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpRequestMessage> NewRequestAsync(HttpMethod method, string url, CancellationToken cancellationToken)
    {
        var token = await _tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        var request = new HttpRequestMessage(method, new Uri(url));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ToExceptionAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<GcsRequestException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? reason = null;
        string message;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var error = JsonSerializer.Deserialize(body, GcsJsonContext.Default.GcsErrorResponse)?.Error;
            reason = error?.Errors?.FirstOrDefault()?.Reason;
            message = error?.Message ?? body;
        }
        catch (JsonException)
        {
            message = body.Length > 200 ? body[..200] : body;
        }

        return new GcsRequestException(response.StatusCode, reason, message);
    }

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
        GcsRequestException { IsMissingBucket: true } => $"the bucket '{_location.Bucket}' does not exist",
        GcsRequestException { Status: HttpStatusCode.Forbidden } ex => $"access denied ({ex.Message}); check the service account's roles on the bucket",
        GcsRequestException { Status: HttpStatusCode.Unauthorized } ex => $"not authenticated ({ex.Message}); check {_tokens.Source}",
        GcsRequestException ex => $"{(int)ex.Status} {ex.Reason}: {ex.Message}",
        TokenResponseException ex => $"getting an access token from {_tokens.Source} failed: {ex.Error?.Error} {ex.Error?.ErrorDescription}",
        _ => exception.Message,
    };
}
