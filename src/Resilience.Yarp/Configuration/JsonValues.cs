using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Resilience.Yarp;

/// <summary>
/// Reads single values the way YARP's configuration provider accepts them (numbers and booleans also as strings,
/// enums by name in any case, <c>TimeSpan</c> in the constant format), straight from the reader positioned on the
/// value. Errors are <see cref="JsonException"/>s naming the property; the caller adds which route it was.
/// </summary>
internal static class JsonValues
{
    /// <summary>Up to this many entries a map is a scanned array (<see cref="SmallStringDictionary"/>), past it a dictionary.</summary>
    private const int SmallMapLimit = 8;

    /// <summary>Gets the current property name as UTF-8; an escaped one (rare) is unescaped into a new array.</summary>
    public static ReadOnlySpan<byte> Name(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;

    /// <summary>Gets whether <paramref name="name"/> is <paramref name="expected"/> in any case, as YARP's binder compares keys.</summary>
    public static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) =>
        name.Length == expected.Length && Ascii.EqualsIgnoreCase(name, expected);

    public static string? String(ref Utf8JsonReader reader, Utf8StringPool? pool, string property) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => StringValue(ref reader, pool),
        _ => throw new JsonException($"'{property}' must be a string, not {reader.TokenType}"),
    };

    public static string StringValue(ref Utf8JsonReader reader, Utf8StringPool? pool)
    {
        if (reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        return pool is null ? Encoding.UTF8.GetString(reader.ValueSpan) : pool.Get(reader.ValueSpan);
    }

    public static int? Int32(ref Utf8JsonReader reader, string property)
    {
        var value = Int64(ref reader, property);
        return value is null ? null : value is >= int.MinValue and <= int.MaxValue ? (int)value : throw new JsonException($"'{property}' is out of range: {value}");
    }

    public static long? Int64(ref Utf8JsonReader reader, string property)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt64(out var number):
                return number;
            case JsonTokenType.String when !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out var consumed) && consumed == reader.ValueSpan.Length:
                return parsed;
            case JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                throw new JsonException($"'{property}' must be a whole number, not {Describe(ref reader)}");
        }
    }

    public static bool? Boolean(ref Utf8JsonReader reader, string property) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.String when bool.TryParse(reader.GetString(), out var value) => value,
        _ => throw new JsonException($"'{property}' must be true or false, not {Describe(ref reader)}"),
    };

    public static TimeSpan? TimeSpan(ref Utf8JsonReader reader, string property) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String when System.TimeSpan.TryParseExact(reader.GetString(), "c", CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new JsonException($"'{property}' must be a time span such as \"00:00:30\", not {Describe(ref reader)}"),
    };

    /// <summary>An enum by name in any case (YARP's documented form) or by number.</summary>
    public static TEnum Enum<TEnum>(ref Utf8JsonReader reader, string property)
        where TEnum : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) && System.Enum.IsDefined(typeof(TEnum), number))
        {
            return (TEnum)(object)number;
        }

        if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } name && !int.TryParse(name, out _)
            && System.Enum.TryParse<TEnum>(name, ignoreCase: true, out var value) && System.Enum.IsDefined(value))
        {
            return value;
        }

        throw new JsonException($"'{property}' must be one of {string.Join(", ", System.Enum.GetNames<TEnum>())}, not {Describe(ref reader)}");
    }

    /// <summary>A list of strings; <see langword="null"/> when empty or absent, as YARP's configuration provider gives it.</summary>
    public static string[]? StringList(ref Utf8JsonReader reader, Utf8StringPool pool, string property)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"'{property}' must be a list of strings, not {reader.TokenType}");
        }

        // Route lists are short (methods, hosts, header values): a small buffer, then one exact array.
        string? first = null, second = null, third = null;
        List<string>? more = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = reader.TokenType == JsonTokenType.String
                ? StringValue(ref reader, pool)
                : throw new JsonException($"'{property}' entries must be strings, not {reader.TokenType}");
            switch (count++)
            {
                case 0: first = item; break;
                case 1: second = item; break;
                case 2: third = item; break;
                default: (more ??= []).Add(item); break;
            }
        }

        return count switch
        {
            0 => null,
            1 => [first!],
            2 => [first!, second!],
            3 => [first!, second!, third!],
            _ => [first!, second!, third!, .. more!],
        };
    }

    /// <summary>
    /// A string-to-string object (metadata, one transform): keys compared ignoring case, as YARP's configuration
    /// provider builds them; <see langword="null"/> when empty or absent.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? StringDictionary(ref Utf8JsonReader reader, Utf8StringPool pool, string property)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"'{property}' must be an object of strings, not {reader.TokenType}");
        }

        var entries = pool.MapEntries;
        entries.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringValue(ref reader, pool);
            reader.Read();
            var value = reader.TokenType switch
            {
                JsonTokenType.String => StringValue(ref reader, pool),
                JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False => pool.Get(reader.ValueSpan),
                _ => throw new JsonException($"'{property}.{key}' must be a string, not {reader.TokenType}"),
            };
            entries.Add(new KeyValuePair<string, string>(key, value));
        }

        if (entries.Count == 0)
        {
            return null;
        }

        if (entries.Count <= SmallMapLimit)
        {
            return SmallStringDictionary.Create(entries);
        }

        // Last one wins, as in YARP's configuration binder.
        var map = new Dictionary<string, string>(entries.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entries)
        {
            map[key] = value;
        }

        return map;
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"\"{reader.GetString()}\"",
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        _ => reader.TokenType.ToString(),
    };
}
