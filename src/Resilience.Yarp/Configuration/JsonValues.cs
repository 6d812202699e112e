using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Resilience.Yarp;

/// <summary>
/// Reads single values as YARP's loader sees them. YARP reads its section through the configuration binder, which
/// stores every JSON value as a string (a number as written, <c>true</c> as <c>"True"</c>, <c>null</c> and <c>{}</c> as
/// null, <c>[]</c> as <c>""</c>), then parses that string with the BCL (<c>int.Parse</c>, <c>bool.Parse</c>,
/// <c>Enum.Parse</c> ignoring case, <c>TimeSpan.ParseExact("c")</c>, <c>new Uri</c>, <c>Version.Parse</c>). The
/// same BCL calls run here on the same strings, straight from the reader (UTF-8 where the BCL parses UTF-8, so the
/// common forms allocate nothing). Errors are <see cref="JsonException"/>s naming the property.
/// </summary>
internal static class JsonValues
{
    /// <summary>Gets the current property name as UTF-8; an escaped one (rare) is unescaped into a new array.</summary>
    public static ReadOnlySpan<byte> Name(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;

    /// <summary>Gets whether <paramref name="name"/> is <paramref name="expected"/> (ASCII) in any case.</summary>
    public static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) =>
        name.Length == expected.Length && Ascii.EqualsIgnoreCase(name, expected);

    /// <summary>
    /// The value as the binder stores it: a string as it is, a number as written, a boolean as <c>"True"</c> or
    /// <c>"False"</c>, <c>null</c> and <c>{}</c> as null, <c>[]</c> as <c>""</c>. A non-empty object or array is refused
    /// (the binder would give null and keep the content as sub-keys nobody reads).
    /// </summary>
    public static string? Text(ref Utf8JsonReader reader, Utf8StringPool? pool, string property)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return StringValue(ref reader, pool);
            case JsonTokenType.Number:
                return pool is null ? Encoding.UTF8.GetString(reader.ValueSpan) : pool.Get(reader.ValueSpan);
            case JsonTokenType.True:
                return "True";
            case JsonTokenType.False:
                return "False";
            case JsonTokenType.StartObject:
                EmptyOrRefuse(ref reader, JsonTokenType.EndObject, property, "a single value");
                return null;
            case JsonTokenType.StartArray:
                EmptyOrRefuse(ref reader, JsonTokenType.EndArray, property, "a single value");
                return string.Empty;
            default:
                return null;
        }
    }

    public static string StringValue(ref Utf8JsonReader reader, Utf8StringPool? pool)
    {
        if (reader.ValueIsEscaped)
        {
            return reader.GetString()!;
        }

        return pool is null ? Encoding.UTF8.GetString(reader.ValueSpan) : pool.Get(reader.ValueSpan);
    }

    /// <summary>As YARP's <c>int.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)</c>.</summary>
    public static int? Int32(ref Utf8JsonReader reader, string property) => Integer<int>(ref reader, property, "a whole number (32 bits)");

    /// <summary>As YARP's <c>long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)</c>.</summary>
    public static long? Int64(ref Utf8JsonReader reader, string property) => Integer<long>(ref reader, property, "a whole number");

    /// <summary>As YARP's <c>bool.Parse(value)</c>: <c>true</c>, <c>"true"</c>, <c>"True"</c>, ... but not <c>1</c>.</summary>
    public static bool? Boolean(ref Utf8JsonReader reader, string property)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            default:
                var text = Text(ref reader, null, property);
                return text is null ? null : bool.TryParse(text, out var value) ? value : throw Invalid(property, "true or false", text);
        }
    }

    /// <summary>As YARP's <c>TimeSpan.ParseExact(value, "c", CultureInfo.InvariantCulture)</c>.</summary>
    public static TimeSpan? TimeSpan(ref Utf8JsonReader reader, string property)
    {
        var text = Text(ref reader, null, property);
        return text is null ? null
            : System.TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value) ? value
            : throw Invalid(property, "a time span such as \"00:00:30\"", text);
    }

    /// <summary>As YARP's <c>Enum.Parse&lt;TEnum&gt;(value, ignoreCase: true)</c>: a name in any case, a number, names joined by commas.</summary>
    public static TEnum? Enum<TEnum>(ref Utf8JsonReader reader, string property)
        where TEnum : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && EnumNames<TEnum>.TryMatch(reader.ValueSpan, out var named))
        {
            return named;
        }

        var text = Text(ref reader, null, property);
        return text is null ? null
            : System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) ? value
            : throw Invalid(property, $"one of {string.Join(", ", System.Enum.GetNames<TEnum>())}", text);
    }

    /// <summary>As YARP's <c>new Uri(value)</c>: an absolute URI.</summary>
    public static Uri? Uri(ref Utf8JsonReader reader, string property)
    {
        var text = Text(ref reader, null, property);
        return text is null ? null
            : System.Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri
            : throw Invalid(property, "an absolute URI such as \"http://proxy:8080\"", text);
    }

    /// <summary>As YARP's reading of an HTTP version: empty is none, <c>"2"</c> is 2.0, otherwise <c>Version.Parse</c>.</summary>
    public static Version? Version(ref Utf8JsonReader reader, string property)
    {
        var text = Text(ref reader, null, property);
        return string.IsNullOrEmpty(text) ? null
            : System.Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version) ? version
            : throw Invalid(property, "a version such as \"2\" or \"1.1\"", text);
    }

    /// <summary>
    /// Where YARP's shape has an object or a list: whether the reader is on one to read (<see cref="ContainerValue.Open"/>,
    /// on its start), or on what the binder reads as none (<c>null</c>, or <c>{}</c> where a list is expected) or as
    /// present and empty (<c>[]</c> where an object is expected), each already read. Anything else is refused.
    /// </summary>
    public static ContainerValue Container(ref Utf8JsonReader reader, JsonTokenType start, string property, string expected)
    {
        if (reader.TokenType == start)
        {
            return ContainerValue.Open;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return ContainerValue.Absent;
            case JsonTokenType.StartObject:
                EmptyOrRefuse(ref reader, JsonTokenType.EndObject, property, expected);
                return ContainerValue.Absent;
            case JsonTokenType.StartArray:
                EmptyOrRefuse(ref reader, JsonTokenType.EndArray, property, expected);
                return ContainerValue.Empty;
            default:
                throw Shape(property, expected, reader.TokenType);
        }
    }

    /// <summary>
    /// Moves to the next property's value of the object being read: its index among <paramref name="names"/> (or -1),
    /// its key checked as the binder would see it (<see cref="ObjectKeys"/>). <see langword="false"/> at the object's end.
    /// </summary>
    public static bool NextProperty(ref Utf8JsonReader reader, PropertyNames names, ref ObjectKeys keys, out int index)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            index = -1;
            return false;
        }

        var name = Name(ref reader);
        index = names.IndexOf(name);
        keys.Add(index, name);
        reader.Read();
        return true;
    }

    /// <summary>
    /// Reads the container the reader is on when it must be empty: <c>{}</c> or <c>[]</c> where another shape is
    /// expected means what the binder makes of it; anything in it is refused.
    /// </summary>
    public static void EmptyOrRefuse(ref Utf8JsonReader reader, JsonTokenType end, string property, string expected)
    {
        var start = reader.TokenType;
        reader.Read();
        if (reader.TokenType != end)
        {
            throw Shape(property, expected, start);
        }
    }

    public static JsonException Shape(string property, string expected, JsonTokenType found) =>
        new(StricterRules.Refusal($"'{property}' must be {expected}, not {Describe(found)} (YARP would ignore it or read it as empty)", StricterRules.Shape));

    public static JsonException Invalid(string property, string expected, string text) =>
        new($"'{property}' must be {expected} as YARP reads it, not \"{text}\"");

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString(),
    };

    private static T? Integer<T>(ref Utf8JsonReader reader, string property, string expected)
        where T : struct, IBinaryInteger<T>
    {
        if (IsPlainScalar(ref reader) && T.TryParse(reader.ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var text = Text(ref reader, null, property);
        return text is null ? null
            : T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw Invalid(property, expected, text);
    }

    /// <summary>A number, or a string whose bytes are its value (no escapes): what the BCL's UTF-8 parsers can take as it is.</summary>
    private static bool IsPlainScalar(ref Utf8JsonReader reader) =>
        reader.TokenType is JsonTokenType.Number or JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence;

    /// <summary>The enum's names as UTF-8, for the common case: a name, exactly as declared or in another ASCII case.</summary>
    private static class EnumNames<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly (byte[] Name, TEnum Value)[] Names =
            [.. System.Enum.GetNames<TEnum>().Select(name => (Encoding.UTF8.GetBytes(name), System.Enum.Parse<TEnum>(name)))];

        public static bool TryMatch(ReadOnlySpan<byte> utf8, out TEnum value)
        {
            foreach (var (name, candidate) in Names)
            {
                if (Is(utf8, name))
                {
                    value = candidate;
                    return true;
                }
            }

            value = default;
            return false;
        }
    }
}
