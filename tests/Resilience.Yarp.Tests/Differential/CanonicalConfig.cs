using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp.Tests;

/// <summary>
/// One text for a set of routes and clusters, equal exactly when YARP would see the same configuration: every public
/// property of every object (found by reflection, so a property YARP adds is compared too), strings by ordinal, null
/// apart from empty, lists in order, dictionaries by entry whatever their order, with how each looks keys up (a key
/// in another case found or not: the comparer, as YARP's features see it). Routes and clusters are sorted by id
/// (YARP's loader lists them in key order, the document in document order; YARP does not care).
/// </summary>
internal static class CanonicalConfig
{
    public static string Of(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters)
    {
        var text = new StringBuilder();
        foreach (var route in routes.OrderBy(r => r.RouteId, StringComparer.Ordinal))
        {
            text.Append("route ");
            Write(text, route, 1);
            text.Append('\n');
        }

        foreach (var cluster in clusters.OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            text.Append("cluster ");
            Write(text, cluster, 1);
            text.Append('\n');
        }

        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int depth)
    {
        if (depth > 12)
        {
            throw new InvalidOperationException("too deep: a cycle?");
        }

        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append(JsonSerializer.Serialize(s));
                return;
            case Enum e:
                text.Append(e.GetType().Name).Append('.').Append(e).Append('(').Append(Convert.ToInt64(e, CultureInfo.InvariantCulture)).Append(')');
                return;
            case bool or int or long:
                text.Append(value.GetType().Name).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case TimeSpan span:
                text.Append("TimeSpan:").Append(span.ToString("c", CultureInfo.InvariantCulture));
                return;
            case Version version:
                text.Append("Version:").Append(version);
                return;
            case Uri uri:
                text.Append("Uri:").Append(uri.OriginalString).Append('|').Append(uri.IsAbsoluteUri ? uri.AbsoluteUri : "relative");
                return;
        }

        if (DictionaryValueType(value.GetType()) is { } valueType)
        {
            WriteDictionary(text, (IEnumerable)value, valueType, depth);
            return;
        }

        if (value is IEnumerable list)
        {
            text.Append('[');
            foreach (var item in list)
            {
                Write(text, item, depth + 1);
                text.Append(',');
            }

            text.Append(']');
            return;
        }

        text.Append('{');
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.Append(property.Name).Append('=');
            Write(text, property.GetValue(value), depth + 1);
            text.Append(';');
        }

        text.Append('}');
    }

    private static void WriteDictionary(StringBuilder text, IEnumerable dictionary, Type valueType, int depth)
    {
        var entries = new List<(string Key, object? Value)>();
        var keyProperty = typeof(KeyValuePair<,>).MakeGenericType(typeof(string), valueType).GetProperty("Key")!;
        var valueProperty = typeof(KeyValuePair<,>).MakeGenericType(typeof(string), valueType).GetProperty("Value")!;
        foreach (var entry in dictionary)
        {
            entries.Add(((string)keyProperty.GetValue(entry)!, valueProperty.GetValue(entry)));
        }

        // How the dictionary looks keys up: a key in another case found (ignores case) or not.
        var containsKey = typeof(IReadOnlyDictionary<,>).MakeGenericType(typeof(string), valueType).GetMethod("ContainsKey")!;
        var lookup = "no cased key";
        foreach (var (key, _) in entries)
        {
            var other = key.ToUpperInvariant() != key ? key.ToUpperInvariant() : key.ToLowerInvariant();
            if (other != key && !entries.Any(e => e.Key == other))
            {
                lookup = (bool)containsKey.Invoke(dictionary, [other])! ? "ignores case" : "case-sensitive";
                break;
            }
        }

        text.Append("map(").Append(lookup).Append("){");
        foreach (var (key, item) in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(JsonSerializer.Serialize(key)).Append(':');
            Write(text, item, depth + 1);
            text.Append(',');
        }

        text.Append('}');
    }

    private static Type? DictionaryValueType(Type type) =>
        type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) && i.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];
}
