using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience.Yarp;

/// <summary>HTTP versions as YARP's configuration writes them: <c>"2"</c> as well as <c>"2.0"</c>.</summary>
internal sealed class LenientVersionConverter : JsonConverter<Version>
{
    public override Version? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => throw new JsonException($"a version must be a string such as \"2.0\", not {reader.TokenType}"),
        };
        return Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version)
            ? version
            : throw new JsonException($"'{text}' is not a version");
    }

    public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
