using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Resilience;

/// <summary>
/// Converts one YAML 1.2 document to UTF-8 JSON (core schema for plain scalars), streaming: it reads the parser's
/// events and writes JSON as they come, without building a document model or the whole text as a string, and it
/// counts nodes, depth and output bytes as it goes, so a hostile document stops at the first limit it crosses.
/// Aliases are expanded by replaying the anchored node's recorded events, counted against the node limit, so an
/// alias bomb stops at the limit instead of exhausting memory.
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
    public byte[] Convert(ReadOnlyMemory<byte> yaml)
    {
        _nodes = 0;
        using var reader = new StreamReader(ReadOnlyMemoryStream.Create(yaml), new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024);
        var source = new LiveEvents(new Parser(reader), _maxNodes);
        var output = new BoundedBufferWriter(_maxOutputBytes, Math.Min(yaml.Length + 256L, _maxOutputBytes), limit =>
            new ConfigFormatException($"the converted document exceeds {limit} bytes"));
        try
        {
            source.Expect<StreamStart>("the start of the stream");
            if (source.Next().Event is not DocumentStart)
            {
                throw new ConfigFormatException("expected exactly one YAML document, found none");
            }

            var root = source.Next();
            if (root.Event is not MappingStart)
            {
                throw AtMark(root.Event.Start, "the document must be a mapping (a JSON object)");
            }

            using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true }))
            {
                Write(writer, root, source, depth: 0);
            }

            source.Expect<DocumentEnd>("the end of the document");
            var after = source.Next();
            if (after.Event is not StreamEnd)
            {
                throw AtMark(after.Event.Start, "expected exactly one YAML document, found more");
            }
        }
        catch (YamlException ex)
        {
            throw AtMark(ex.Start, ex.InnerException?.Message ?? ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this, without a position, for some unclosed flow collections.
            throw AtMark(source.LastGood, "malformed YAML after this point (an unclosed [ or { ?)", ex);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            // Found by fuzzing: YamlDotNet reports some bad input this way (a tag that is not a URI: "!!bin]ry"),
            // and the JSON writer refuses text that is not valid UTF-16 (a lone surrogate from "\ud800").
            throw AtMark(source.LastGood, $"malformed YAML after this point: {ex.Message}", ex);
        }

        return output.ToArray();
    }

    private static ConfigFormatException AtMark(Mark mark, string message, Exception? inner = null) =>
        new($"(line {mark.Line}, column {mark.Column}): {message}", mark.Line, mark.Column, inner);

    private void Write(Utf8JsonWriter writer, YamlEvent node, IYamlEvents source, int depth)
    {
        if (node.Event is AnchorAlias)
        {
            // The alias stands for its anchored node: replay what was recorded (counted again, node by node).
            var replay = new ReplayedEvents(node.Target!);
            Write(writer, replay.Next(), replay, depth);
            return;
        }

        if (++_nodes > _maxNodes)
        {
            throw AtMark(node.Event.Start, $"the document expands to more than {_maxNodes} nodes (alias expansion counts); refusing it");
        }

        if (depth > _maxDepth)
        {
            throw AtMark(node.Event.Start, $"the document nests deeper than {_maxDepth} levels");
        }

        var anchor = source.BeginAnchor(node);
        switch (node.Event)
        {
            case MappingStart:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (source.Next() is var key && key.Event is not MappingEnd)
                {
                    var name = KeyName(key, source);
                    if (!seen.Add(name))
                    {
                        throw AtMark(key.Event.Start, $"duplicate key '{name}'");
                    }

                    writer.WritePropertyName(name);
                    Write(writer, source.Next(), source, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case SequenceStart:
                writer.WriteStartArray();
                while (source.Next() is var item && item.Event is not SequenceEnd)
                {
                    Write(writer, item, source, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case Scalar scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw AtMark(node.Event.Start, $"unsupported YAML event {node.Event.GetType().Name}");
        }

        source.EndAnchor(anchor);
        if (writer.BytesPending > 64 * 1024)
        {
            // Hands the pending bytes to the bounded output, which enforces the limit.
            writer.Flush();
        }
    }

    private static string KeyName(YamlEvent key, IYamlEvents source)
    {
        var resolved = key.Event is AnchorAlias && key.Target is [{ Event: Scalar } only] ? only : key;
        if (resolved.Event is not Scalar scalar)
        {
            throw AtMark(key.Event.Start, "mapping keys must be scalars to become JSON property names");
        }

        source.EndAnchor(source.BeginAnchor(key));
        return scalar.Value ?? string.Empty;
    }

    private static void WriteScalar(Utf8JsonWriter writer, Scalar scalar)
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
