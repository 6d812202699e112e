using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Resilience;

/// <summary>
/// Converts one YAML 1.2 document to UTF-8 JSON (core schema for plain scalars). Aliases are
/// expanded while writing, counted against a node limit, so an alias bomb stops at the limit
/// instead of exhausting memory.
/// </summary>
internal sealed partial class YamlJsonConverter
{
    private readonly int _maxNodes;
    private readonly int _maxDepth;
    private readonly long _maxOutputBytes;
    private int _nodes;

    public YamlJsonConverter(int maxNodes, int maxDepth, long maxOutputBytes)
    {
        _maxNodes = maxNodes;
        _maxDepth = maxDepth;
        _maxOutputBytes = maxOutputBytes;
    }

    /// <exception cref="ConfigFormatException">The YAML is malformed or exceeds a limit; the message carries the line and column.</exception>
    public byte[] Convert(ReadOnlySpan<byte> yaml)
    {
        var text = Encoding.UTF8.GetString(yaml.StartsWith(Utf8Bom) ? yaml[3..] : yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw AtMark(ex.Start, ex.InnerException?.Message ?? ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // The representation model fails some malformed input without a position; the raw parser names it.
            throw FindSyntaxError(text) ?? new ConfigFormatException($"malformed YAML: {ex.Message}", innerException: ex);
        }

        if (stream.Documents.Count != 1)
        {
            throw new ConfigFormatException($"expected exactly one YAML document, found {stream.Documents.Count}");
        }

        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode)
        {
            throw AtMark(root.Start, "the document must be a mapping (a JSON object)");
        }

        _nodes = 0;
        var output = new ArrayBufferWriter<byte>(Math.Max(256, yaml.Length));
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
        {
            Write(writer, root, depth: 0);
        }

        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ConfigFormatException? FindSyntaxError(string text)
    {
        var parser = new Parser(new StringReader(text));
        var lastGood = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                lastGood = parser.Current?.End ?? lastGood;
            }
        }
        catch (YamlException ex)
        {
            return AtMark(ex.Start, ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this, without a position, for some unclosed flow collections.
            return AtMark(lastGood, "malformed YAML after this point (an unclosed [ or { ?)", ex);
        }

        return null;
    }

    private static ConfigFormatException AtMark(Mark mark, string message, Exception? inner = null) =>
        new($"(line {mark.Line}, column {mark.Column}): {message}", mark.Line, mark.Column, inner);

    private void Write(Utf8JsonWriter writer, YamlNode node, int depth)
    {
        if (++_nodes > _maxNodes)
        {
            throw AtMark(node.Start, $"the document expands to more than {_maxNodes} nodes (alias expansion counts); refusing it");
        }

        if (depth > _maxDepth)
        {
            throw AtMark(node.Start, $"the document nests deeper than {_maxDepth} levels");
        }

        if (writer.BytesCommitted + writer.BytesPending > _maxOutputBytes)
        {
            throw AtMark(node.Start, $"the converted document exceeds {_maxOutputBytes} bytes");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: var name })
                    {
                        throw AtMark(key.Start, "mapping keys must be scalars to become JSON property names");
                    }

                    name ??= string.Empty;
                    if (!seen.Add(name))
                    {
                        throw AtMark(key.Start, $"duplicate key '{name}'");
                    }

                    writer.WritePropertyName(name);
                    Write(writer, value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw AtMark(node.Start, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (tag is null && scalar.Style != ScalarStyle.Plain))
        {
            writer.WriteStringValue(value);
            return;
        }

        if (value.Length == 0 || value is "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (value is "true" or "True" or "TRUE")
        {
            writer.WriteBooleanValue(true);
        }
        else if (value is "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(false);
        }
        else if (DecimalInteger().IsMatch(value))
        {
            if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                writer.WriteNumberValue(l);
            }
            else
            {
                writer.WriteRawValue(BigInteger.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            }
        }
        else if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            writer.WriteNumberValue(hex);
        }
        else if (OctalInteger().IsMatch(value))
        {
            writer.WriteNumberValue(System.Convert.ToInt64(value[2..], 8));
        }
        else if (Float().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            // .inf, .nan and everything else have no JSON number form: keep the text.
            writer.WriteStringValue(value);
        }
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0o[0-7]{1,21}$", RegexOptions.CultureInvariant)]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();
}
