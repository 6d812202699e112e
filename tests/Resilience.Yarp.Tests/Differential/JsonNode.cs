using System.Text;
using System.Text.Json;

namespace Resilience.Yarp.Tests;

/// <summary>A generated JSON document before it is written: content first, formatting (comments, commas, escapes) after.</summary>
internal abstract record JsonNode
{
    public static JsonNode Null { get; } = new JsonLiteral("null");

    public static JsonNode String(string value) => new JsonLiteral(JsonSerializer.Serialize(value));

    public static JsonNode Raw(string json) => new JsonLiteral(json);
}

/// <summary>A value written as it is (<c>"x"</c>, <c>1.5</c>, <c>true</c>, <c>null</c>).</summary>
internal sealed record JsonLiteral(string Json) : JsonNode;

/// <summary>An object; keys may repeat, in any case, as a hand-written document may have them.</summary>
internal sealed record JsonObject(List<KeyValuePair<string, JsonNode>> Properties) : JsonNode
{
    public JsonObject()
        : this(new List<KeyValuePair<string, JsonNode>>())
    {
    }

    public JsonObject Add(string key, JsonNode value)
    {
        Properties.Add(new(key, value));
        return this;
    }
}

/// <summary>An array.</summary>
internal sealed record JsonArray(List<JsonNode> Items) : JsonNode;

/// <summary>Writes a generated document the ways appsettings files are written: indented or not, with comments and trailing commas, keys sometimes escaped.</summary>
internal sealed class JsonNodeWriter(Random random, bool comments, bool trailingCommas, bool indented, bool escapeSome)
{
    private readonly StringBuilder _text = new();

    public string Write(JsonNode node)
    {
        _text.Clear();
        if (comments)
        {
            _text.Append("// generated\n");
        }

        Write(node, 0);
        if (comments)
        {
            _text.Append("\n/* end */\n");
        }

        return _text.ToString();
    }

    private void Write(JsonNode node, int depth)
    {
        switch (node)
        {
            case JsonLiteral literal:
                _text.Append(literal.Json);
                break;
            case JsonObject obj:
                _text.Append('{');
                for (var i = 0; i < obj.Properties.Count; i++)
                {
                    NewLine(depth + 1);
                    if (comments && random.Next(8) == 0)
                    {
                        _text.Append(random.Next(2) == 0 ? "// a comment\n" : "/* a comment */ ");
                        Indent(depth + 1);
                    }

                    _text.Append(Key(obj.Properties[i].Key)).Append(indented ? ": " : ":");
                    Write(obj.Properties[i].Value, depth + 1);
                    if (i < obj.Properties.Count - 1 || (trailingCommas && random.Next(2) == 0))
                    {
                        _text.Append(',');
                    }
                }

                NewLine(depth);
                _text.Append('}');
                break;
            case JsonArray array:
                _text.Append('[');
                for (var i = 0; i < array.Items.Count; i++)
                {
                    Write(array.Items[i], depth + 1);
                    if (i < array.Items.Count - 1 || (trailingCommas && random.Next(2) == 0))
                    {
                        _text.Append(indented ? ", " : ",");
                    }
                }

                _text.Append(']');
                break;
        }
    }

    /// <summary>A key as JSON; sometimes one of its letters \u-escaped (the reader then hands it over unescaped).</summary>
    private string Key(string key)
    {
        var json = JsonSerializer.Serialize(key);
        if (!escapeSome || random.Next(10) != 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return json;
        }

        var letters = Enumerable.Range(1, json.Length - 2).Where(i => char.IsAsciiLetter(json[i])).ToArray();
        if (letters.Length == 0)
        {
            return json;
        }

        var at = letters[random.Next(letters.Length)];
        return string.Concat(json.AsSpan(0, at), $"\\u{(int)json[at]:X4}", json.AsSpan(at + 1));
    }

    private void NewLine(int depth)
    {
        if (indented)
        {
            _text.Append('\n');
            Indent(depth);
        }
    }

    private void Indent(int depth)
    {
        if (indented)
        {
            _text.Append(' ', depth * 2);
        }
    }
}
