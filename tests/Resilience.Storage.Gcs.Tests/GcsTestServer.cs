using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Resilience.Storage.Gcs.Tests;

/// <summary>
/// A strict in-process server for the subset of the Cloud Storage JSON API the official client
/// (Google.Cloud.Storage.V1) sends, written from Google's reference: <c>objects.insert</c> (<c>uploadType=media</c>,
/// <c>multipart</c> and <c>resumable</c> sessions on the <c>/upload</c> path: initiation with the resource, then
/// <c>PUT</c> chunks with <c>Content-Range</c>, <c>308</c> with <c>Range</c> until the last, <c>X-Goog-Hash</c>
/// checked on the final chunk), <c>objects.get</c> (resource, or data with <c>alt=media</c> on the
/// <c>/download</c> or the plain path, honouring <c>Range</c> and answering <c>x-goog-hash</c> crc32c and md5 so the
/// client checks what it downloaded), <c>objects.list</c>
/// (<c>prefix</c>, <c>maxResults</c>, <c>pageToken</c>; no <c>items</c> when empty), <c>objects.delete</c>,
/// <c>ifGenerationMatch</c> (412 <c>conditionNotMet</c>), error bodies <c>{"error":{"code","message","errors":[..]}}</c>,
/// bearer tokens required (401), and the OAuth token endpoint of the service-account JWT-bearer flow,
/// which checks the RS256 signature, issuer, audience (always <c>https://oauth2.googleapis.com/token</c>), scope and expiry of the assertion.
/// </summary>
public sealed class GcsTestServer : IAsyncDisposable
{
    public const string ClientEmail = "exporter@resilience-test.iam.gserviceaccount.com";
    /// <summary>Google's documented audience of a service-account assertion, whatever URL it is posted to.</summary>
    private const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";
    private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private readonly WebApplication _app;
    private readonly RSA _serviceAccountKey = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, byte> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Bucket, string Name), StoredGcsObject> _objects = new();
    private readonly ConcurrentDictionary<string, byte> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Method, string Path, string Query)> _requests = new();
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private long _generation = 1_700_000_000_000_000;
    private int _failuresLeft;
    private int _corruptDownloadsLeft;
    private int _failureStatus;

    private GcsTestServer(WebApplication app)
    {
        _app = app;
    }

    public string Endpoint { get; private set; } = string.Empty;

    public string TokenUri => Endpoint + "/token";

    public int TokensIssued => _tokens.Count;

    /// <summary>Every storage request (not token requests): method, raw path, raw query.</summary>
    public IReadOnlyList<(string Method, string Path, string Query)> Requests => _requests.ToArray();

    public static async Task<GcsTestServer> StartAsync(params string[] buckets)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new GcsTestServer(app);
        foreach (var bucket in buckets)
        {
            server._buckets[bucket] = 0;
        }

        app.Run(async context =>
        {
            try
            {
                await server.HandleAsync(context);
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                // A bug in this server (or a request it cannot parse) must show up in the test's failure message.
                await ErrorAsync(context, 500, "backendError", $"test server: {ex.GetType().Name}: {ex.Message}");
            }
        });
        await app.StartAsync();
        server.Endpoint = app.Urls.Single().TrimEnd('/');
        return server;
    }

    /// <summary>A service-account key (JSON) whose <c>token_uri</c> is this server.</summary>
    public string ServiceAccountJson()
    {
        var json = new JsonObject
        {
            ["type"] = "service_account",
            ["project_id"] = "resilience-test",
            ["private_key_id"] = "test-key-1",
            ["private_key"] = _serviceAccountKey.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = ClientEmail,
            ["client_id"] = "100000000000000000001",
            ["auth_uri"] = Endpoint + "/auth",
            ["token_uri"] = TokenUri,
            ["universe_domain"] = "googleapis.com",
        };
        return json.ToJsonString();
    }

    /// <summary>Answers the next <paramref name="count"/> storage requests with <paramref name="status"/> and a JSON API error body.</summary>
    public void FailNext(int count, int status)
    {
        Volatile.Write(ref _failureStatus, status);
        Volatile.Write(ref _failuresLeft, count);
    }

    /// <summary>Flips one byte of the next <paramref name="count"/> media downloads (the headers keep the true hashes), as a damaged transfer would.</summary>
    public void CorruptNextDownloads(int count) => Volatile.Write(ref _corruptDownloadsLeft, count);

    public int Uploads(string bucket) => Requests.Count(r => r.Method == "POST" && r.Path.StartsWith($"/upload/storage/v1/b/{bucket}/o", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _serviceAccountKey.Dispose();
    }

    private static Task ErrorAsync(HttpContext context, int status, string reason, string message)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = reason }),
            },
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static Task JsonAsync(HttpContext context, JsonNode body)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=UTF-8";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Base64UrlDecode(string value)
    {
        var s = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var question = raw.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? raw : raw[..question];
        var query = QueryHelpers.ParseQuery(question < 0 ? string.Empty : raw[question..]);
        var method = context.Request.Method;

        // The client gzips request bodies (its GZipEnabled default), as GCS accepts.
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.Body = new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress);
            context.Request.Headers.ContentLength = null;
        }
        else if (encoding.Length > 0)
        {
            await ErrorAsync(context, 400, "invalid", $"Unsupported Content-Encoding '{encoding}'.");
            return;
        }

        if (path == "/token")
        {
            await TokenAsync(context);
            return;
        }

        _requests.Enqueue((method, path, question < 0 ? string.Empty : raw[(question + 1)..]));

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.ContainsKey(authorization["Bearer ".Length..]))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://accounts.google.com/\"";
            await ErrorAsync(context, 401, "required", "Anonymous caller does not have storage.objects access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).");
            return;
        }

        if (Volatile.Read(ref _failuresLeft) > 0 && Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            var status = Volatile.Read(ref _failureStatus);
            await ErrorAsync(context, status, status == 403 ? "forbidden" : status == 429 ? "rateLimitExceeded" : "backendError", $"Injected failure {status}.");
            return;
        }

        var segments = path.Split('/');
        if (segments is ["", "storage", "v1", "b", var bucket, "o"])
        {
            if (method != "GET")
            {
                await ErrorAsync(context, 405, "methodNotAllowed", "Method not allowed.");
                return;
            }

            await ListAsync(context, Uri.UnescapeDataString(bucket), query);
        }
        else if (segments is ["", "download", "storage", "v1", "b", var downloadBucket, "o", var downloadName] && downloadName.Length > 0 && method == "GET"
            && query.TryGetValue("alt", out var downloadAlt) && downloadAlt == "media")
        {
            await GetAsync(context, Uri.UnescapeDataString(downloadBucket), Uri.UnescapeDataString(downloadName), query);
        }
        else if (segments is ["", "storage", "v1", "b", var objectBucket, "o", var encodedName] && encodedName.Length > 0)
        {
            var name = Uri.UnescapeDataString(encodedName);
            switch (method)
            {
                case "GET":
                    await GetAsync(context, Uri.UnescapeDataString(objectBucket), name, query);
                    break;
                case "DELETE":
                    await DeleteAsync(context, Uri.UnescapeDataString(objectBucket), name, query);
                    break;
                default:
                    await ErrorAsync(context, 405, "methodNotAllowed", "Method not allowed.");
                    break;
            }
        }
        else if (segments is ["", "upload", "storage", "v1", "b", var uploadBucket, "o"] && method == "POST")
        {
            await InsertAsync(context, Uri.UnescapeDataString(uploadBucket), query);
        }
        else if (segments is ["", "upload", "storage", "v1", "b", _, "o"] && method == "PUT" && query.TryGetValue("upload_id", out var uploadId))
        {
            await ResumeAsync(context, uploadId.ToString());
        }
        else
        {
            await ErrorAsync(context, 404, "notFound", "Not Found");
        }
    }

    private async Task TokenAsync(HttpContext context)
    {
        if (context.Request.Method != "POST" || !context.Request.HasFormContentType)
        {
            await TokenErrorAsync(context, "invalid_request", "POST application/x-www-form-urlencoded expected");
            return;
        }

        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != JwtBearerGrant)
        {
            await TokenErrorAsync(context, "unsupported_grant_type", $"grant_type must be {JwtBearerGrant}");
            return;
        }

        var parts = form["assertion"].ToString().Split('.');
        if (parts.Length != 3)
        {
            await TokenErrorAsync(context, "invalid_grant", "malformed assertion");
            return;
        }

        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        using var claims = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var root = claims.RootElement;
        var error =
            header.RootElement.GetProperty("alg").GetString() != "RS256" ? "alg must be RS256"
            : !_serviceAccountKey.VerifyData(signed, Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1) ? "Invalid JWT Signature."
            : root.GetProperty("iss").GetString() != ClientEmail ? "unknown issuer"
            : root.GetProperty("aud").GetString() is var aud && aud != GoogleTokenAudience ? $"Invalid JWT: audience must be {GoogleTokenAudience}, got {aud}"
            : !(root.TryGetProperty("scope", out var scope) && scope.GetString()!.Split(' ').Contains(GcsFallbackStoreOptions.Scope)) ? "missing devstorage scope"
            : root.GetProperty("exp").GetInt64() < now || root.GetProperty("iat").GetInt64() > now + 300 ? "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            : null;
        if (error is not null)
        {
            await TokenErrorAsync(context, "invalid_grant", error);
            return;
        }

        var token = "ya29.test-" + Guid.NewGuid().ToString("N");
        _tokens[token] = 0;
        await JsonAsync(context, new JsonObject { ["access_token"] = token, ["expires_in"] = 3599, ["token_type"] = "Bearer" });
    }

    private static Task TokenErrorAsync(HttpContext context, string error, string description)
    {
        context.Response.StatusCode = 400;
        context.Response.ContentType = "application/json; charset=UTF-8";
        return context.Response.WriteAsync(new JsonObject { ["error"] = error, ["error_description"] = description }.ToJsonString());
    }

    private async Task ListAsync(HttpContext context, string bucket, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        var prefix = query.TryGetValue("prefix", out var p) ? p.ToString() : string.Empty;
        var maxResults = query.TryGetValue("maxResults", out var m) ? int.Parse(m!, CultureInfo.InvariantCulture) : 1000;
        if (maxResults is < 1 || maxResults > 1000)
        {
            maxResults = 1000;
        }

        var after = query.TryGetValue("pageToken", out var t) ? Encoding.UTF8.GetString(Convert.FromBase64String(t!)) : null;
        var names = _objects.Keys.Where(k => k.Bucket == bucket && k.Name.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(k.Name, after) > 0))
            .Select(k => k.Name).Order(StringComparer.Ordinal).ToList();
        var page = names.Take(maxResults).ToList();
        var body = new JsonObject { ["kind"] = "storage#objects" };
        if (page.Count > 0)
        {
            body["items"] = new JsonArray(page.Select(n => (JsonNode)Resource(bucket, n, _objects[(bucket, n)])).ToArray());
        }

        if (names.Count > page.Count)
        {
            body["nextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1]));
        }

        await JsonAsync(context, body);
    }

    private async Task GetAsync(HttpContext context, string bucket, string name, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        if (!_objects.TryGetValue((bucket, name), out var stored))
        {
            await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}");
            return;
        }

        if (!await PreconditionHoldsAsync(context, query, stored))
        {
            return;
        }

        if (query.TryGetValue("alt", out var alt) && alt == "media")
        {
            await MediaAsync(context, stored);
            return;
        }

        await JsonAsync(context, Resource(bucket, name, stored));
    }

    private async Task DeleteAsync(HttpContext context, string bucket, string name, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        if (!_objects.TryGetValue((bucket, name), out var stored))
        {
            await ErrorAsync(context, 404, "notFound", $"No such object: {bucket}/{name}");
            return;
        }

        if (!await PreconditionHoldsAsync(context, query, stored))
        {
            return;
        }

        _objects.TryRemove((bucket, name), out _);
        context.Response.StatusCode = 204;
    }

    private async Task InsertAsync(HttpContext context, string bucket, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_buckets.ContainsKey(bucket))
        {
            await ErrorAsync(context, 404, "notFound", "The specified bucket does not exist.");
            return;
        }

        var uploadType = query.TryGetValue("uploadType", out var u) ? u.ToString() : null;
        string? name = query.TryGetValue("name", out var n) ? n.ToString() : null;
        if (uploadType == "resumable")
        {
            await StartSessionAsync(context, bucket, name, query);
            return;
        }

        Dictionary<string, string>? metadata = null;
        string contentType;
        byte[] content;
        if (uploadType == "media")
        {
            contentType = context.Request.ContentType ?? "application/octet-stream";
            content = await ReadAllAsync(context.Request.Body);
        }
        else if (uploadType == "multipart")
        {
            if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase)
                || HeaderUtilities.RemoveQuotes(type.Boundary).ToString() is not { Length: > 0 } boundary)
            {
                await ErrorAsync(context, 400, "invalid", "Multipart upload requires Content-Type multipart/related with a boundary.");
                return;
            }

            // Each part must be read before the next one is requested.
            var reader = new MultipartReader(boundary, context.Request.Body);
            var first = await reader.ReadNextSectionAsync();
            var firstBody = first is null ? null : await ReadAllAsync(first.Body);
            var second = first is null ? null : await reader.ReadNextSectionAsync();
            var secondBody = second is null ? null : await ReadAllAsync(second.Body);
            if (first is null || second is null || await reader.ReadNextSectionAsync() is not null
                || !(first.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                await ErrorAsync(context, 400, "invalid", "Multipart upload must have exactly two parts: JSON metadata, then the media.");
                return;
            }

            var resource = JsonNode.Parse(firstBody!)!.AsObject();
            name ??= resource["name"]?.GetValue<string>();
            metadata = resource["metadata"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
            contentType = resource["contentType"]?.GetValue<string>() ?? second.ContentType ?? "application/octet-stream";
            content = secondBody!;
        }
        else
        {
            await ErrorAsync(context, 400, "invalid", $"Invalid upload type '{uploadType}'; this server supports media and multipart.");
            return;
        }

        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "required", "Required parameter: name");
            return;
        }

        await CommitAsync(context, bucket, name, content, metadata, contentType, query.TryGetValue("ifGenerationMatch", out var expected) ? expected.ToString() : null);
    }

    /// <summary>Stores an upload if its precondition holds (checked when the object is committed, as GCS does).</summary>
    private async Task CommitAsync(HttpContext context, string bucket, string name, byte[] content, Dictionary<string, string>? metadata, string contentType, string? ifGenerationMatch)
    {
        if (!GenerationMatches(bucket, name, ifGenerationMatch))
        {
            await ErrorAsync(context, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
            return;
        }

        var stored = new StoredGcsObject(content, metadata ?? new Dictionary<string, string>(), contentType, Interlocked.Increment(ref _generation), DateTimeOffset.UtcNow);
        _objects[(bucket, name)] = stored;
        await JsonAsync(context, Resource(bucket, name, stored));
    }

    private bool GenerationMatches(string bucket, string name, string? ifGenerationMatch)
    {
        if (ifGenerationMatch is null)
        {
            return true;
        }

        var current = _objects.TryGetValue((bucket, name), out var existing) ? existing.Generation : 0;
        return long.Parse(ifGenerationMatch, CultureInfo.InvariantCulture) == current;
    }

    /// <summary>Starts a resumable upload: the body is the object resource (JSON, may be empty); the answer's Location is the session URI.</summary>
    private async Task StartSessionAsync(HttpContext context, string bucket, string? name, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        var body = await ReadAllAsync(context.Request.Body);
        JsonObject? resource = null;
        if (body.Length > 0)
        {
            if (!(context.Request.ContentType ?? string.Empty).StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            {
                await ErrorAsync(context, 400, "invalid", "The resource of a resumable upload must be application/json.");
                return;
            }

            resource = JsonNode.Parse(body)!.AsObject();
        }

        name ??= resource?["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "required", "Required parameter: name");
            return;
        }

        var ifGenerationMatch = query.TryGetValue("ifGenerationMatch", out var expected) ? expected.ToString() : null;
        if (!GenerationMatches(bucket, name, ifGenerationMatch))
        {
            await ErrorAsync(context, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
            return;
        }

        long? declaredLength = long.TryParse(context.Request.Headers["X-Upload-Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;
        var id = Guid.NewGuid().ToString("N");
        _sessions[id] = new UploadSession(
            bucket,
            name,
            resource?["metadata"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()),
            resource?["contentType"]?.GetValue<string>() ?? (context.Request.Headers["X-Upload-Content-Type"].ToString() is { Length: > 0 } declared ? declared : "application/octet-stream"),
            ifGenerationMatch,
            declaredLength);
        context.Response.StatusCode = 200;
        context.Response.Headers.Location = $"{Endpoint}/upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}";
    }

    /// <summary>
    /// A chunk of a resumable upload: <c>Content-Range: bytes a-b/total</c> (or <c>*</c> for a total not yet known),
    /// <c>bytes */total</c> to finish or ask for the status. 308 with <c>Range</c> until every byte is in.
    /// </summary>
    private async Task ResumeAsync(HttpContext context, string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            await ErrorAsync(context, 404, "notFound", "No such upload session.");
            return;
        }

        var chunk = await ReadAllAsync(context.Request.Body);
        var range = context.Request.Headers.ContentRange.ToString();
        var match = System.Text.RegularExpressions.Regex.Match(range, @"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$");
        if (!match.Success)
        {
            await ErrorAsync(context, 400, "invalid", $"Content-Range '{range}' is not bytes a-b/total or bytes */total.");
            return;
        }

        long? total = match.Groups[3].Value == "*" ? null : long.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        lock (session)
        {
            if (match.Groups[1].Success)
            {
                var first = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var last = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (first != session.Received.Length || last - first + 1 != chunk.Length)
                {
                    session.Error = $"chunk {first}-{last} ({chunk.Length} bytes) does not follow the {session.Received.Length} bytes received";
                }
                else
                {
                    session.Received.Write(chunk);
                }
            }
            else if (chunk.Length > 0)
            {
                session.Error = "a status query (bytes */total) carries no body";
            }
        }

        if (session.Error is { } error)
        {
            _sessions.TryRemove(id, out _);
            await ErrorAsync(context, 400, "invalid", error);
            return;
        }

        if (total is null || session.Received.Length < total)
        {
            context.Response.StatusCode = 308;
            if (session.Received.Length > 0)
            {
                context.Response.Headers["Range"] = $"bytes=0-{session.Received.Length - 1}";
            }

            return;
        }

        _sessions.TryRemove(id, out _);
        var content = session.Received.ToArray();
        if (content.Length != total || (session.DeclaredLength is { } declaredLength && declaredLength != content.Length))
        {
            await ErrorAsync(context, 400, "invalid", $"The upload has {content.Length} bytes; {session.DeclaredLength?.ToString(CultureInfo.InvariantCulture) ?? total.ToString()} were declared.");
            return;
        }

        if (HashMismatch(context.Request.Headers["X-Goog-Hash"].ToString(), content) is { } mismatch)
        {
            await ErrorAsync(context, 400, "invalid", $"Provided {mismatch} doesn't match calculated {mismatch}.");
            return;
        }

        await CommitAsync(context, session.Bucket, session.Name, content, session.Metadata, session.ContentType, session.IfGenerationMatch);
    }

    /// <summary>The name of the first hash in an <c>X-Goog-Hash</c> header (<c>crc32c=..,md5=..</c>) that the content does not match.</summary>
    private static string? HashMismatch(string header, byte[] content)
    {
        foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var (kind, value) = (part[..equals], part[(equals + 1)..]);
            var expected = kind switch
            {
                "crc32c" => Crc32C(content),
                "md5" => Convert.ToBase64String(MD5.HashData(content)),
                _ => value,
            };
            if (expected != value)
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>The object's bytes (all, or one <c>Range: bytes=a-b</c>), with the headers GCS sends and the client checks.</summary>
    private async Task MediaAsync(HttpContext context, StoredGcsObject stored)
    {
        var content = stored.Content;
        context.Response.ContentType = stored.ContentType;
        context.Response.Headers["x-goog-generation"] = stored.Generation.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-goog-metageneration"] = "1";
        context.Response.Headers["x-goog-stored-content-length"] = content.Length.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["x-goog-stored-content-encoding"] = "identity";
        context.Response.Headers["x-goog-hash"] = $"crc32c={Crc32C(content)},md5={Convert.ToBase64String(MD5.HashData(content))}";
        if (content.Length > 0 && Volatile.Read(ref _corruptDownloadsLeft) > 0 && Interlocked.Decrement(ref _corruptDownloadsLeft) >= 0)
        {
            content = (byte[])content.Clone();
            content[0] ^= 0xFF;
        }

        var range = System.Text.RegularExpressions.Regex.Match(context.Request.Headers.Range.ToString(), @"^bytes=(\d+)-(\d*)$");
        if (!range.Success || content.Length == 0)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content);
            return;
        }

        var first = long.Parse(range.Groups[1].Value, CultureInfo.InvariantCulture);
        var last = range.Groups[2].Value.Length == 0 ? content.Length - 1 : Math.Min(long.Parse(range.Groups[2].Value, CultureInfo.InvariantCulture), content.Length - 1);
        if (first >= content.Length)
        {
            context.Response.StatusCode = 416;
            context.Response.Headers.ContentRange = $"bytes */{content.Length}";
            return;
        }

        context.Response.StatusCode = 206;
        context.Response.Headers.ContentRange = $"bytes {first}-{last}/{content.Length}";
        context.Response.ContentLength = last - first + 1;
        await context.Response.Body.WriteAsync(content.AsMemory((int)first, (int)(last - first + 1)));
    }

    /// <summary>CRC32C (Castagnoli), big-endian, base64: the form of GCS's <c>crc32c</c> field and header.</summary>
    private static string Crc32C(byte[] content)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in content)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        crc ^= 0xFFFFFFFFu;
        return Convert.ToBase64String([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
    }

    private static async Task<bool> PreconditionHoldsAsync(HttpContext context, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query, StoredGcsObject stored)
    {
        if (query.TryGetValue("ifGenerationMatch", out var expected) && long.Parse(expected!, CultureInfo.InvariantCulture) != stored.Generation)
        {
            await ErrorAsync(context, 412, "conditionNotMet", "At least one of the pre-conditions you specified did not hold.");
            return false;
        }

        return true;
    }

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private JsonObject Resource(string bucket, string name, StoredGcsObject stored)
    {
        var generation = stored.Generation.ToString(CultureInfo.InvariantCulture);
        var resource = new JsonObject
        {
            ["kind"] = "storage#object",
            ["id"] = $"{bucket}/{name}/{generation}",
            ["selfLink"] = $"{Endpoint}/storage/v1/b/{bucket}/o/{Uri.EscapeDataString(name)}",
            ["mediaLink"] = $"{Endpoint}/download/storage/v1/b/{bucket}/o/{Uri.EscapeDataString(name)}?generation={generation}&alt=media",
            ["name"] = name,
            ["bucket"] = bucket,
            ["generation"] = generation,
            ["metageneration"] = "1",
            ["contentType"] = stored.ContentType,
            ["storageClass"] = "STANDARD",
            ["size"] = stored.Content.Length.ToString(CultureInfo.InvariantCulture),
            ["md5Hash"] = Convert.ToBase64String(MD5.HashData(stored.Content)),
            ["crc32c"] = Crc32C(stored.Content),
            ["etag"] = Convert.ToBase64String(BitConverter.GetBytes(stored.Generation)),
            ["timeCreated"] = Rfc3339(stored.Updated),
            ["updated"] = Rfc3339(stored.Updated),
        };
        if (stored.Metadata.Count > 0)
        {
            resource["metadata"] = new JsonObject(stored.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }

        return resource;
    }

    private sealed record UploadSession(string Bucket, string Name, Dictionary<string, string>? Metadata, string ContentType, string? IfGenerationMatch, long? DeclaredLength)
    {
        public MemoryStream Received { get; } = new();

        public string? Error { get; set; }
    }

    private sealed record StoredGcsObject(byte[] Content, IReadOnlyDictionary<string, string> Metadata, string ContentType, long Generation, DateTimeOffset Updated);
}
