using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// The self-describing byte form of a cached configuration, shared by every <see cref="IConfigCache"/> (the
/// <c>config.json.gz</c> file, LMDB, and a cache of your own): one JSON header line (format tag, version, hash,
/// length, metadata) followed by the payload. The header makes a cache portable between nodes and lets a load
/// prove that the payload is whole and unaltered. Compress or encrypt (<see cref="CacheEncryption"/>) the
/// encoded bytes as the store needs; hand what <see cref="Decode"/> returns back from <see cref="IConfigCache.LoadAsync"/>.
/// </summary>
public static class CacheEnvelope
{
    /// <summary>The format tag in every header: <c>resilience-config-cache</c>.</summary>
    public const string FormatTag = "resilience-config-cache";

    /// <summary>The header's format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Encodes a served snapshot as one cache entry.</summary>
    /// <param name="snapshot">The snapshot (its payload, hash, version, timestamp and signature are kept).</param>
    /// <param name="savedAt">When it was saved (from the cache's <see cref="TimeProvider"/>).</param>
    /// <returns>The header line and the payload.</returns>
    public static byte[] Encode(ConfigSnapshot snapshot, DateTimeOffset savedAt)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var headerLine = EncodeHeaderLine(snapshot, savedAt);
        var result = new byte[headerLine.Length + snapshot.Payload.Length];
        headerLine.CopyTo(result, 0);
        snapshot.Payload.Span.CopyTo(result.AsSpan(headerLine.Length));
        return result;
    }

    /// <summary>The header line of <see cref="Encode"/>'s entry, newline included: a writer that streams (gzip) writes it, then the payload, without the copy <see cref="Encode"/> makes.</summary>
    internal static byte[] EncodeHeaderLine(ConfigSnapshot snapshot, DateTimeOffset savedAt)
    {
        var header = new CacheHeader
        {
            Format = FormatTag,
            FormatVersion = FormatVersion,
            Hash = snapshot.Hash,
            Length = snapshot.Payload.Length,
            Origin = snapshot.Origin.ToString(),
            Version = snapshot.Version,
            Timestamp = snapshot.Timestamp,
            Signature = snapshot.Signature,
            SavedAt = savedAt,
        };
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, CacheJsonContext.Default.CacheHeader);
        var line = new byte[headerBytes.Length + 1];
        headerBytes.CopyTo(line, 0);
        line[headerBytes.Length] = (byte)'\n';
        return line;
    }

    /// <summary>Decodes a cache entry into the document the chain applies (origin <see cref="ConfigOrigin.Cache"/>).</summary>
    /// <param name="content">The entry.</param>
    /// <param name="source">Where it was read, for logs.</param>
    /// <param name="verifyHash">
    /// Whether to recompute the payload hash here. A cache may leave it to the apply pipeline, which
    /// recomputes it anyway and rejects a document whose <see cref="ConfigDocument.ExpectedHash"/>
    /// differs (SHA-256 of 10 MB takes longer than reading it).
    /// </param>
    /// <param name="migratedFrom">What the entry was read from when the cache does not write it in this form (<see cref="CacheEncryption.OpenStored"/>), else <see langword="null"/>.</param>
    /// <returns>The document, with <see cref="ConfigDocument.ExpectedHash"/> set from the header.</returns>
    /// <exception cref="InvalidDataException">Why the bytes are not a whole, compatible cache entry.</exception>
    public static ConfigDocument Decode(ReadOnlyMemory<byte> content, string source, bool verifyHash = true, string? migratedFrom = null)
    {
        var newline = content.Span.IndexOf((byte)'\n');
        if (newline <= 0)
        {
            throw new InvalidDataException("no header line");
        }

        CacheHeader? header;
        try
        {
            header = JsonSerializer.Deserialize(content.Span[..newline], CacheJsonContext.Default.CacheHeader);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"unreadable header: {ex.Message}", ex);
        }

        if (header is null || header.Format != FormatTag)
        {
            throw new InvalidDataException($"not a {FormatTag} file");
        }

        if (header.FormatVersion != FormatVersion)
        {
            throw new InvalidDataException($"format version {header.FormatVersion}, this library reads {FormatVersion}");
        }

        var payload = content[(newline + 1)..];
        if (payload.Length != header.Length)
        {
            throw new InvalidDataException($"payload is {payload.Length} bytes, the header says {header.Length} (truncated?)");
        }

        if (string.IsNullOrEmpty(header.Hash))
        {
            throw new InvalidDataException("the header has no hash");
        }

        if (verifyHash && ConfigHash.Compute(payload.Span) != header.Hash)
        {
            throw new InvalidDataException("payload hash does not match the header (altered?)");
        }

        return new ConfigDocument(payload, ConfigFormat.Json, ConfigOrigin.Cache)
        {
            ExpectedHash = header.Hash,
            Version = header.Version,
            Timestamp = header.Timestamp,
            Signature = header.Signature,
            Source = source,
            MigratedFrom = migratedFrom,
        };
    }
}

/// <summary>The header line of a cache entry.</summary>
internal sealed class CacheHeader
{
    public string? Format { get; set; }

    public int FormatVersion { get; set; }

    public string? Hash { get; set; }

    public long Length { get; set; }

    public string? Origin { get; set; }

    public string? Version { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public string? Signature { get; set; }

    public DateTimeOffset SavedAt { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CacheHeader))]
internal sealed partial class CacheJsonContext : JsonSerializerContext
{
}
