using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Resilience.Samples.ControlPlane;

/// <summary>Converts a YAML document to JSON. Plain scalars follow the YAML 1.2 core schema (null, booleans, numbers); quoted ones stay strings.</summary>
public static partial class YamlToJson
{
    /// <summary>Converts one YAML document (UTF-8) to UTF-8 JSON.</summary>
    /// <exception cref="FormatException">The YAML is malformed or holds no document.</exception>
    public static byte[] Convert(byte[] yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(Encoding.UTF8.GetString(yaml)));
        }
        catch (YamlException ex)
        {
            throw new FormatException($"invalid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1)
        {
            throw new FormatException($"expected one YAML document, found {stream.Documents.Count}");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, stream.Documents[0].RootNode);
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(key is YamlScalarNode { Value: { } name } ? name : throw new FormatException($"only scalar keys are supported (line {key.Start.Line})"));
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new FormatException($"unsupported YAML node at line {node.Start.Line}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            writer.WriteStringValue(value);
        }
        else if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(value[0] is 't' or 'T');
        }
        else if (Number().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            writer.WriteRawValue(value.TrimStart('+'));
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex Number();
}
