using System.Collections.ObjectModel;
using System.Text.Json;
using Yarp.ReverseProxy.Configuration;
using static Resilience.Yarp.JsonCollections;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Reads one route object straight into YARP's <see cref="RouteConfig"/> in one forward pass: no document, no
/// intermediate type, no reflection. A 20,000-route document is almost all routes, so this is the parse. It builds
/// what YARP's own loader builds from the same JSON (<c>ConfigurationConfigProvider.CreateRoute</c>, through the
/// configuration binder): names in any case, values as the binder stores them (<see cref="JsonValues"/>), an absent
/// or empty <c>Match</c> an empty one, empty lists and maps absent (but <c>"Headers": []</c> an empty list), unknown
/// properties ignored, and the keys checked as the binder would see them (<see cref="ObjectKeys"/>).
/// </summary>
internal static class RouteConfigReader
{
    private static readonly RouteMatch EmptyMatch = new();
    private static readonly IReadOnlyDictionary<string, string> EmptyTransform = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));

    private static readonly PropertyNames RouteNames = new(
        "ClusterId", "Match", "Order", "Metadata", "Transforms", "MaxRequestBodySize", "AuthorizationPolicy", "CorsPolicy",
        "RateLimiterPolicy", "OutputCachePolicy", "TimeoutPolicy", "Timeout", "RouteId");

    private static readonly PropertyNames MatchNames = new("Path", "Methods", "Hosts", "Headers", "QueryParameters");

    private static readonly PropertyNames MatcherNames = new("Name", "Values", "Mode", "IsCaseSensitive");

    // What errors call the properties of a header or query match: built once, not per route.
    private static readonly MatcherProperties HeaderProperties = new("Match.Headers");
    private static readonly MatcherProperties QueryParameterProperties = new("Match.QueryParameters");

    private delegate T ItemReader<T>(ref Utf8JsonReader reader, Utf8StringPool pool);

    /// <summary>Reads the route at the reader's value; leaves the reader on its end.</summary>
    /// <param name="reader">The reader, on the route's value.</param>
    /// <param name="id">The key the route is stored under: its id.</param>
    /// <param name="pool">The parse's strings.</param>
    /// <returns>The route.</returns>
    public static RouteConfig Read(ref Utf8JsonReader reader, string id, Utf8StringPool pool)
    {
        // An entry that is null, {} or [] is a route with nothing set, as the binder reads it.
        if (Container(ref reader, JsonTokenType.StartObject, "route", "an object") != ContainerValue.Open)
        {
            return new RouteConfig { RouteId = id, Match = EmptyMatch };
        }

        string? clusterId = null, authorization = null, rateLimiter = null, outputCache = null, timeoutPolicy = null, cors = null;
        int? order = null;
        long? maxRequestBodySize = null;
        TimeSpan? timeout = null;
        IReadOnlyDictionary<string, string>? metadata = null;
        IReadOnlyList<IReadOnlyDictionary<string, string>>? transforms = null;
        RouteMatch? match = null;
        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, RouteNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0:
                    clusterId = Text(ref reader, pool, "ClusterId");
                    break;
                case 1:
                    match = ReadMatch(ref reader, pool);
                    break;
                case 2:
                    order = Int32(ref reader, "Order");
                    break;
                case 3:
                    metadata = StringMap(ref reader, pool, "Metadata");
                    break;
                case 4:
                    transforms = ReadTransforms(ref reader, pool);
                    break;
                case 5:
                    maxRequestBodySize = Int64(ref reader, "MaxRequestBodySize");
                    break;
                case 6:
                    authorization = Text(ref reader, pool, "AuthorizationPolicy");
                    break;
                case 7:
                    cors = Text(ref reader, pool, "CorsPolicy");
                    break;
                case 8:
                    rateLimiter = Text(ref reader, pool, "RateLimiterPolicy");
                    break;
                case 9:
                    outputCache = Text(ref reader, pool, "OutputCachePolicy");
                    break;
                case 10:
                    timeoutPolicy = Text(ref reader, pool, "TimeoutPolicy");
                    break;
                case 11:
                    timeout = JsonValues.TimeSpan(ref reader, "Timeout");
                    break;
                case 12:
                    // YARP's loader refuses the old list format's field: the key is the id.
                    if (!string.IsNullOrEmpty(Text(ref reader, null, "RouteId")))
                    {
                        throw new JsonException("'RouteId' is set: YARP's loader refuses it (\"The route id must be set as the object name, not with the 'RouteId' field.\")");
                    }

                    break;
                default:
                    ObjectKeys.Skip(ref reader);
                    break;
            }
        }

        return new RouteConfig
        {
            RouteId = id,
            ClusterId = clusterId,
            Order = order,
            MaxRequestBodySize = maxRequestBodySize,
            AuthorizationPolicy = authorization,
            RateLimiterPolicy = rateLimiter,
            OutputCachePolicy = outputCache,
            TimeoutPolicy = timeoutPolicy,
            Timeout = timeout,
            CorsPolicy = cors,
            Metadata = metadata,
            Transforms = transforms,
            Match = match ?? EmptyMatch,
        };
    }

    private static RouteMatch ReadMatch(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        if (Container(ref reader, JsonTokenType.StartObject, "Match", "an object") != ContainerValue.Open)
        {
            return EmptyMatch;
        }

        string? path = null;
        string[]? methods = null, hosts = null;
        RouteHeader[]? headers = null;
        RouteQueryParameter[]? queryParameters = null;
        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, MatchNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0:
                    // Paths are as many as the routes and rarely repeat: not pooled.
                    path = Text(ref reader, null, "Match.Path");
                    break;
                case 1:
                    methods = StringList(ref reader, pool, "Match.Methods");
                    break;
                case 2:
                    hosts = StringList(ref reader, pool, "Match.Hosts");
                    break;
                case 3:
                    headers = ReadMatchers(ref reader, pool, "Match.Headers", static (ref Utf8JsonReader r, Utf8StringPool p) => ReadHeader(ref r, p));
                    break;
                case 4:
                    queryParameters = ReadMatchers(ref reader, pool, "Match.QueryParameters", static (ref Utf8JsonReader r, Utf8StringPool p) => ReadQueryParameter(ref r, p));
                    break;
                default:
                    ObjectKeys.Skip(ref reader);
                    break;
            }
        }

        return path is null && methods is null && hosts is null && headers is null && queryParameters is null
            ? EmptyMatch
            : new RouteMatch { Path = path, Methods = methods, Hosts = hosts, Headers = headers, QueryParameters = queryParameters };
    }

    private static RouteHeader ReadHeader(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        var (name, values, mode, caseSensitive) = ReadMatcher<HeaderMatchMode>(ref reader, pool, HeaderProperties);
        return new RouteHeader { Name = name!, Values = values, Mode = mode ?? HeaderMatchMode.ExactHeader, IsCaseSensitive = caseSensitive };
    }

    private static RouteQueryParameter ReadQueryParameter(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        var (name, values, mode, caseSensitive) = ReadMatcher<QueryParameterMatchMode>(ref reader, pool, QueryParameterProperties);
        return new RouteQueryParameter { Name = name!, Values = values, Mode = mode ?? QueryParameterMatchMode.Exact, IsCaseSensitive = caseSensitive };
    }

    /// <summary>One header or query parameter match; null, <c>{}</c> and <c>[]</c> are one with nothing set, as the binder reads them.</summary>
    private static (string? Name, string[]? Values, TMode? Mode, bool CaseSensitive) ReadMatcher<TMode>(ref Utf8JsonReader reader, Utf8StringPool pool, MatcherProperties property)
        where TMode : struct, Enum
    {
        if (Container(ref reader, JsonTokenType.StartObject, property.List, "a list of objects") != ContainerValue.Open)
        {
            return default;
        }

        string? name = null;
        string[]? values = null;
        TMode? mode = null;
        var caseSensitive = false;
        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, MatcherNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0:
                    name = Text(ref reader, pool, property.Name);
                    break;
                case 1:
                    values = StringList(ref reader, pool, property.Values);
                    break;
                case 2:
                    mode = JsonValues.Enum<TMode>(ref reader, property.Mode);
                    break;
                case 3:
                    caseSensitive = Boolean(ref reader, property.IsCaseSensitive) ?? false;
                    break;
                default:
                    ObjectKeys.Skip(ref reader);
                    break;
            }
        }

        return (name, values, mode, caseSensitive);
    }

    /// <summary>Transforms: a list of maps; absent when empty; an entry that is null, <c>{}</c> or <c>[]</c> is an empty map.</summary>
    private static IReadOnlyDictionary<string, string>[]? ReadTransforms(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        if (Container(ref reader, JsonTokenType.StartArray, "Transforms", "a list") != ContainerValue.Open)
        {
            return null;
        }

        var transforms = ReadItems(ref reader, pool, static (ref Utf8JsonReader r, Utf8StringPool p) => StringMap(ref r, p, "Transforms") ?? EmptyTransform);
        return transforms.Length == 0 ? null : transforms;
    }

    /// <summary>
    /// Header or query parameter matches: absent when null or <c>{}</c>, but an empty list when <c>[]</c>, as YARP's
    /// loader gives them (it asks whether the section exists, and <c>[]</c> does).
    /// </summary>
    private static T[]? ReadMatchers<T>(ref Utf8JsonReader reader, Utf8StringPool pool, string property, ItemReader<T> read) =>
        Container(ref reader, JsonTokenType.StartArray, property, "a list") == ContainerValue.Open ? ReadItems(ref reader, pool, read) : null;

    /// <summary>The items of the array the reader is on.</summary>
    private static T[] ReadItems<T>(ref Utf8JsonReader reader, Utf8StringPool pool, ItemReader<T> read)
    {
        T? first = default;
        List<T>? items = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = read(ref reader, pool);
            if (count++ == 0)
            {
                first = item;
            }
            else
            {
                (items ??= [first!]).Add(item);
            }
        }

        return count switch
        {
            0 => [],
            1 => [first!],
            _ => [.. items!],
        };
    }

    /// <summary>The names errors give the properties of one kind of match.</summary>
    private sealed record MatcherProperties(string List)
    {
        public string Name { get; } = List + ".Name";

        public string Values { get; } = List + ".Values";

        public string Mode { get; } = List + ".Mode";

        public string IsCaseSensitive { get; } = List + ".IsCaseSensitive";
    }
}
