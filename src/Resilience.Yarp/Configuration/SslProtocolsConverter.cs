using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience.Yarp;

/// <summary>YARP writes <c>"SslProtocols": [ "Tls12", "Tls13" ]</c>; a single name or a comma list is read too.</summary>
internal sealed class SslProtocolsConverter : JsonConverter<SslProtocols>
{
    public override SslProtocols Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return Parse(reader.GetString()!);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"SslProtocols must be a list of names such as [\"Tls12\", \"Tls13\"], not {reader.TokenType}");
        }

        var protocols = SslProtocols.None;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            protocols |= reader.TokenType == JsonTokenType.String
                ? Parse(reader.GetString()!)
                : throw new JsonException($"SslProtocols entries must be names, not {reader.TokenType}");
        }

        return protocols;
    }

    public override void Write(Utf8JsonWriter writer, SslProtocols value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());

    private static SslProtocols Parse(string value) =>
        Enum.TryParse<SslProtocols>(value, ignoreCase: true, out var protocols) && !int.TryParse(value, out _)
            ? protocols
            : throw new JsonException($"'{value}' is not an SslProtocols name");
}
