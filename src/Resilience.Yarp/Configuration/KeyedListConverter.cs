using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resilience.Yarp;

/// <summary>
/// Reads YARP's <c>{ "id": { ... } }</c> objects (the id is the key, as YARP's configuration provider does) and
/// <c>[ { "RouteId": "id", ... } ]</c> arrays into one list; the same id twice (in any case) is an error.
/// </summary>
internal sealed class KeyedListConverter<T>(string kind, Func<T, string, T> withId, Func<T, string?> getId) : JsonConverter<IReadOnlyList<T>>
    where T : class
{
    public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // The item converter itself, not JsonSerializer.Deserialize(ref reader): that one first skips over the
        // value to find its end and then reads it again, a second pass over every route.
        var itemConverter = (JsonConverter<T>)options.GetConverter(typeof(T));
        var items = new List<T>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var id = reader.GetString()!;
                    reader.Read();
                    var item = ReadItem(itemConverter, ref reader, options, id) ?? throw new JsonException($"{kind} '{id}' is null");
                    Add(items, ids, withId(item, id));
                }

                return items;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var item = ReadItem(itemConverter, ref reader, options, $"#{items.Count}") ?? throw new JsonException($"{kind} #{items.Count} is null");
                    Add(items, ids, item);
                }

                return items;
            default:
                throw new JsonException($"the {kind}s must be an object keyed by id (or an array), not {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The configuration is read-only.");

    private T? ReadItem(JsonConverter<T> itemConverter, ref Utf8JsonReader reader, JsonSerializerOptions options, string id)
    {
        try
        {
            return reader.TokenType == JsonTokenType.Null ? null : itemConverter.Read(ref reader, typeof(T), options);
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{kind} '{id}': {ex.Message}", ex);
        }
    }

    private void Add(List<T> items, HashSet<string> ids, T item)
    {
        // A missing id is left to YARP's validator, which names it; only duplicates are caught here.
        if (getId(item) is { Length: > 0 } id && !ids.Add(id))
        {
            throw new JsonException($"duplicate {kind} id '{id}' (ids are compared ignoring case)");
        }

        items.Add(item);
    }
}
