using System.Text.Json;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Lists of values and maps of values as YARP's loader builds them (<c>ReadStringArray</c>,
/// <c>ReadStringDictionary</c>): each entry's value as the binder stores it (<see cref="JsonValues.Text"/>), an
/// empty list or map as none. A list must be a JSON array and a map a JSON object (<see cref="StricterRules.Shape"/>);
/// a map's keys follow the binder's rules (<see cref="ObjectKeys"/>).
/// </summary>
internal static class JsonCollections
{
    /// <summary>Up to this many entries a map is a scanned array (<see cref="SmallStringDictionary"/>), past it a dictionary.</summary>
    private const int SmallMapLimit = 8;

    /// <summary>A list of values; <see langword="null"/> when empty or absent, as YARP's loader gives it; an entry may be null (<c>null</c>, <c>{}</c>), as there.</summary>
    public static string[]? StringList(ref Utf8JsonReader reader, Utf8StringPool pool, string property)
    {
        if (Container(ref reader, JsonTokenType.StartArray, property, "a list") != ContainerValue.Open)
        {
            return null;
        }

        // Route lists are short (methods, hosts, header values): a small buffer, then one exact array.
        string? first = null, second = null, third = null;
        List<string>? more = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = reader.TokenType == JsonTokenType.String ? StringValue(ref reader, pool) : Text(ref reader, pool, property)!;
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
    /// A map of values (metadata, one transform): keys compared ignoring case, as YARP's loader builds them; a value
    /// may be null (<c>null</c>, <c>{}</c>); <see langword="null"/> when empty or absent.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? StringMap(ref Utf8JsonReader reader, Utf8StringPool pool, string property)
    {
        if (Container(ref reader, JsonTokenType.StartObject, property, "an object of values") != ContainerValue.Open)
        {
            return null;
        }

        var entries = pool.MapEntries;
        entries.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = StringValue(ref reader, pool);
            ObjectKeys.CheckDelimiter(key);

            reader.Read();
            var value = reader.TokenType == JsonTokenType.String ? StringValue(ref reader, pool) : Text(ref reader, pool, property);
            entries.Add(new KeyValuePair<string, string>(key, value!));
        }

        if (entries.Count == 0)
        {
            return null;
        }

        if (entries.Count <= SmallMapLimit)
        {
            return SmallStringDictionary.Create(entries);
        }

        var map = new Dictionary<string, string>(entries.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in entries)
        {
            if (!map.TryAdd(key, value))
            {
                throw KeyRuleException.Duplicate(key);
            }
        }

        return map;
    }
}
