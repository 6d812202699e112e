using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience;

/// <summary>
/// The byte form of the history's index, which the node hands its <see cref="IConfigHistoryStore"/> to keep: one JSON
/// header line (format tag, version, body length, SHA-256 of the body) and the JSON body. Decoding checks all of it and
/// every field (hashes are 64 lowercase hex characters, enums are known names, counts and lengths are bounded), so a
/// damaged or hostile index is refused whole with the reason, never half read.
/// </summary>
internal static class HistoryIndexFormat
{
    public const string FormatTag = "resilience-config-history";
    public const int FormatVersion = 1;

    public static byte[] Encode(HistoryIndex index)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new IndexBody
            {
                Entries = index.Entries.Select(EntryDto.From).ToList(),
                Refused = index.Refused.Select(RefusalDto.From).ToList(),
                Reverted = [.. index.Reverted],
            },
            HistoryJsonContext.Default.IndexBody);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new IndexHeader { Format = FormatTag, FormatVersion = FormatVersion, Length = body.Length, Sha256 = Sha256(body) },
            HistoryJsonContext.Default.IndexHeader);
        var result = new byte[header.Length + 1 + body.Length];
        header.CopyTo(result, 0);
        result[header.Length] = (byte)'\n';
        body.CopyTo(result, header.Length + 1);
        return result;
    }

    /// <exception cref="InvalidDataException">Why the bytes are not a whole, intact index.</exception>
    public static HistoryIndex Decode(ReadOnlySpan<byte> content)
    {
        if (content.Length > IConfigHistoryStore.MaxIndexBytes)
        {
            throw new InvalidDataException($"the index is {content.Length} bytes, over the limit of {IConfigHistoryStore.MaxIndexBytes}");
        }

        var newline = content.IndexOf((byte)'\n');
        if (newline <= 0)
        {
            throw new InvalidDataException("no header line");
        }

        var header = Parse(content[..newline], HistoryJsonContext.Default.IndexHeader, "header");
        if (header.Format != FormatTag)
        {
            throw new InvalidDataException($"not a {FormatTag} index");
        }

        if (header.FormatVersion != FormatVersion)
        {
            throw new InvalidDataException($"format version {header.FormatVersion}, this library reads {FormatVersion}");
        }

        var body = content[(newline + 1)..];
        if (body.Length != header.Length)
        {
            throw new InvalidDataException($"the body is {body.Length} bytes, the header says {header.Length} (truncated?)");
        }

        if (!string.Equals(Sha256(body), header.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException("the body does not match the header's checksum (altered?)");
        }

        var parsed = Parse(body, HistoryJsonContext.Default.IndexBody, "body");
        var entries = Bounded(parsed.Entries, HistoryDefaults.MaxEntries, "entries").Select(e => e.ToEntry()).ToArray();
        var refused = Bounded(parsed.Refused, HistoryDefaults.MaxRefusals, "refusals").Select(r => r.ToState()).ToArray();
        var reverted = Bounded(parsed.Reverted, HistoryDefaults.MaxReverted, "reverted hashes").Select(h => CheckHash(h, "reverted")).ToArray();
        return new HistoryIndex(entries, refused, reverted);
    }

    /// <summary>Whether a string is a configuration hash: 64 lowercase hex characters (so it is safe in a file name or key).</summary>
    public static bool IsHash(string? hash)
    {
        if (hash is not { Length: 64 })
        {
            return false;
        }

        foreach (var c in hash)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Cuts a caller's or peer's text (a reason, an actor) to the bound the index keeps.</summary>
    public static string? Clip(string? text) =>
        text is { Length: > HistoryDefaults.MaxTextLength } ? text[..HistoryDefaults.MaxTextLength] : text;

    private static string CheckHash(string? hash, string field) =>
        IsHash(hash) ? hash! : throw new InvalidDataException($"the {field} hash is not 64 lowercase hex characters");

    private static string? CheckText(string? text, string field) =>
        text is { Length: > HistoryDefaults.MaxTextLength } ? throw new InvalidDataException($"the {field} is longer than {HistoryDefaults.MaxTextLength} characters") : text;

    private static T CheckEnum<T>(T value, string field)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new InvalidDataException($"the {field} {value} is not a known value");

    private static List<T> Bounded<T>(List<T>? list, int max, string what)
    {
        if (list is null)
        {
            return [];
        }

        return list.Count <= max ? list : throw new InvalidDataException($"{list.Count} {what}, more than {max}");
    }

    private static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string part)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new InvalidDataException($"the {part} is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"unreadable {part}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // Invalid UTF-8 inside a string surfaces as this.
            throw new InvalidDataException($"unreadable {part}: {ex.Message}", ex);
        }
    }

    private static string Sha256(ReadOnlySpan<byte> body) => ConfigHash.Compute(body);

    internal sealed class IndexHeader
    {
        public string? Format { get; set; }

        public int FormatVersion { get; set; }

        public long Length { get; set; }

        public string? Sha256 { get; set; }
    }

    internal sealed class IndexBody
    {
        public List<EntryDto>? Entries { get; set; }

        public List<RefusalDto>? Refused { get; set; }

        public List<string>? Reverted { get; set; }
    }

    internal sealed class EntryDto
    {
        public string? Hash { get; set; }

        public string? Version { get; set; }

        [JsonConverter(typeof(JsonStringEnumConverter<ConfigOrigin>))]
        public ConfigOrigin Origin { get; set; }

        public DateTimeOffset AppliedAt { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        [JsonConverter(typeof(JsonStringEnumConverter<ConfigHistoryEnd>))]
        public ConfigHistoryEnd End { get; set; }

        public string? EndReason { get; set; }

        public string? EndActor { get; set; }

        public long Size { get; set; }

        public static EntryDto From(ConfigHistoryEntry entry) => new()
        {
            Hash = entry.Hash,
            Version = Clip(entry.Version),
            Origin = entry.Origin,
            AppliedAt = entry.AppliedAt,
            EndedAt = entry.EndedAt,
            End = entry.End,
            EndReason = Clip(entry.EndReason),
            EndActor = Clip(entry.EndActor),
            Size = entry.Size,
        };

        public ConfigHistoryEntry ToEntry() => new()
        {
            Hash = CheckHash(Hash, "entry"),
            Version = CheckText(Version, "version"),
            Origin = Origin != ConfigOrigin.None ? CheckEnum(Origin, "origin") : throw new InvalidDataException("an entry has no origin"),
            AppliedAt = AppliedAt,
            EndedAt = EndedAt,
            End = CheckEnum(End, "end"),
            EndReason = CheckText(EndReason, "reason"),
            EndActor = CheckText(EndActor, "actor"),
            Size = Size >= 0 ? Size : throw new InvalidDataException($"an entry claims {Size} bytes"),
        };
    }

    internal sealed class RefusalDto
    {
        [JsonConverter(typeof(JsonStringEnumConverter<ConfigRollbackKind>))]
        public ConfigRollbackKind Kind { get; set; }

        public string? FromHash { get; set; }

        public string? ToHash { get; set; }

        public string? Reason { get; set; }

        public string? Actor { get; set; }

        public DateTimeOffset At { get; set; }

        public static RefusalDto From(ConfigRollbackState state) => new()
        {
            Kind = state.Kind,
            FromHash = state.FromHash,
            ToHash = state.ToHash,
            Reason = Clip(state.Reason),
            Actor = Clip(state.Actor),
            At = state.At,
        };

        public ConfigRollbackState ToState() => new()
        {
            Kind = CheckEnum(Kind, "kind"),
            FromHash = CheckHash(FromHash, "refused"),
            ToHash = CheckHash(ToHash, "served"),
            Reason = CheckText(Reason, "reason"),
            Actor = CheckText(Actor, "actor"),
            At = At,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 8)]
[JsonSerializable(typeof(HistoryIndexFormat.IndexHeader))]
[JsonSerializable(typeof(HistoryIndexFormat.IndexBody))]
internal sealed partial class HistoryJsonContext : JsonSerializerContext
{
}
