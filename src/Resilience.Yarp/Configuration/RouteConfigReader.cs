using System.Collections.ObjectModel;
using System.Text.Json;
using Yarp.ReverseProxy.Configuration;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Reads one route object straight into YARP's <see cref="RouteConfig"/> in one forward pass: no document, no
/// intermediate type, no reflection. A 20,000-route document is almost all routes, so this is the parse. Names in
/// any case and values as YARP's own configuration provider reads them (<c>ConfigurationConfigProvider</c>): an
/// absent <c>Match</c> is an empty one, empty lists and objects are absent, unknown properties are ignored.
/// </summary>
internal static class RouteConfigReader
{
    private static readonly RouteMatch EmptyMatch = new();
    private static readonly IReadOnlyDictionary<string, string> EmptyTransform = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <summary>Reads the route at the reader's <see cref="JsonTokenType.StartObject"/>; leaves the reader on its end.</summary>
    /// <param name="reader">The reader, on the route's start.</param>
    /// <param name="id">The key the route is stored under (its id), or <see langword="null"/> in the array form.</param>
    /// <param name="pool">The parse's strings.</param>
    /// <returns>The route.</returns>
    public static RouteConfig Read(ref Utf8JsonReader reader, string? id, Utf8StringPool pool)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a route must be an object, not {reader.TokenType}");
        }

        string? routeId = null, clusterId = null, authorization = null, rateLimiter = null, outputCache = null, timeoutPolicy = null, cors = null;
        int? order = null;
        long? maxRequestBodySize = null;
        TimeSpan? timeout = null;
        IReadOnlyDictionary<string, string>? metadata = null;
        IReadOnlyList<IReadOnlyDictionary<string, string>>? transforms = null;
        RouteMatch? match = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            reader.Read();
            if (Is(name, "ClusterId"u8))
            {
                clusterId = String(ref reader, pool, "ClusterId");
            }
            else if (Is(name, "Match"u8))
            {
                match = ReadMatch(ref reader, pool);
            }
            else if (Is(name, "Order"u8))
            {
                order = Int32(ref reader, "Order");
            }
            else if (Is(name, "Metadata"u8))
            {
                metadata = StringDictionary(ref reader, pool, "Metadata");
            }
            else if (Is(name, "Transforms"u8))
            {
                transforms = ReadTransforms(ref reader, pool);
            }
            else if (Is(name, "MaxRequestBodySize"u8))
            {
                maxRequestBodySize = Int64(ref reader, "MaxRequestBodySize");
            }
            else if (Is(name, "AuthorizationPolicy"u8))
            {
                authorization = String(ref reader, pool, "AuthorizationPolicy");
            }
            else if (Is(name, "CorsPolicy"u8))
            {
                cors = String(ref reader, pool, "CorsPolicy");
            }
            else if (Is(name, "RateLimiterPolicy"u8))
            {
                rateLimiter = String(ref reader, pool, "RateLimiterPolicy");
            }
            else if (Is(name, "OutputCachePolicy"u8))
            {
                outputCache = String(ref reader, pool, "OutputCachePolicy");
            }
            else if (Is(name, "TimeoutPolicy"u8))
            {
                timeoutPolicy = String(ref reader, pool, "TimeoutPolicy");
            }
            else if (Is(name, "Timeout"u8))
            {
                timeout = JsonValues.TimeSpan(ref reader, "Timeout");
            }
            else if (Is(name, "RouteId"u8))
            {
                routeId = String(ref reader, null, "RouteId");
            }
            else
            {
                reader.Skip();
            }
        }

        return new RouteConfig
        {
            // Keyed by id, the key is the id (as in YARP's configuration provider); in a list, the route names itself.
            RouteId = id ?? routeId!,
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
        if (reader.TokenType == JsonTokenType.Null)
        {
            return EmptyMatch;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"'Match' must be an object, not {reader.TokenType}");
        }

        string? path = null;
        string[]? methods = null, hosts = null;
        RouteHeader[]? headers = null;
        RouteQueryParameter[]? queryParameters = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            reader.Read();
            if (Is(name, "Path"u8))
            {
                // Paths are as many as the routes and rarely repeat: not pooled.
                path = String(ref reader, null, "Match.Path");
            }
            else if (Is(name, "Methods"u8))
            {
                methods = StringList(ref reader, pool, "Match.Methods");
            }
            else if (Is(name, "Hosts"u8))
            {
                hosts = StringList(ref reader, pool, "Match.Hosts");
            }
            else if (Is(name, "Headers"u8))
            {
                headers = ReadList(ref reader, pool, "Match.Headers", static (ref Utf8JsonReader r, Utf8StringPool p) => ReadHeader(ref r, p));
            }
            else if (Is(name, "QueryParameters"u8))
            {
                queryParameters = ReadList(ref reader, pool, "Match.QueryParameters", static (ref Utf8JsonReader r, Utf8StringPool p) => ReadQueryParameter(ref r, p));
            }
            else
            {
                reader.Skip();
            }
        }

        return path is null && methods is null && hosts is null && headers is null && queryParameters is null
            ? EmptyMatch
            : new RouteMatch { Path = path, Methods = methods, Hosts = hosts, Headers = headers, QueryParameters = queryParameters };
    }

    private static RouteHeader ReadHeader(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        string? name = null;
        string[]? values = null;
        var mode = HeaderMatchMode.ExactHeader;
        var caseSensitive = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = Name(ref reader);
            reader.Read();
            if (Is(property, "Name"u8))
            {
                name = String(ref reader, pool, "Match.Headers.Name");
            }
            else if (Is(property, "Values"u8))
            {
                values = StringList(ref reader, pool, "Match.Headers.Values");
            }
            else if (Is(property, "Mode"u8))
            {
                mode = Enum<HeaderMatchMode>(ref reader, "Match.Headers.Mode");
            }
            else if (Is(property, "IsCaseSensitive"u8))
            {
                caseSensitive = Boolean(ref reader, "Match.Headers.IsCaseSensitive") ?? false;
            }
            else
            {
                reader.Skip();
            }
        }

        return new RouteHeader { Name = name!, Values = values, Mode = mode, IsCaseSensitive = caseSensitive };
    }

    private static RouteQueryParameter ReadQueryParameter(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        string? name = null;
        string[]? values = null;
        var mode = QueryParameterMatchMode.Exact;
        var caseSensitive = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = Name(ref reader);
            reader.Read();
            if (Is(property, "Name"u8))
            {
                name = String(ref reader, pool, "Match.QueryParameters.Name");
            }
            else if (Is(property, "Values"u8))
            {
                values = StringList(ref reader, pool, "Match.QueryParameters.Values");
            }
            else if (Is(property, "Mode"u8))
            {
                mode = Enum<QueryParameterMatchMode>(ref reader, "Match.QueryParameters.Mode");
            }
            else if (Is(property, "IsCaseSensitive"u8))
            {
                caseSensitive = Boolean(ref reader, "Match.QueryParameters.IsCaseSensitive") ?? false;
            }
            else
            {
                reader.Skip();
            }
        }

        return new RouteQueryParameter { Name = name!, Values = values, Mode = mode, IsCaseSensitive = caseSensitive };
    }

    private static IReadOnlyList<IReadOnlyDictionary<string, string>>? ReadTransforms(ref Utf8JsonReader reader, Utf8StringPool pool) =>
        ReadList(ref reader, pool, "Transforms", static (ref Utf8JsonReader r, Utf8StringPool p) =>
            (IReadOnlyDictionary<string, string>?)StringDictionary(ref r, p, "Transforms") ?? EmptyTransform);

    private delegate T ItemReader<T>(ref Utf8JsonReader reader, Utf8StringPool pool);

    /// <summary>A list of objects; <see langword="null"/> when empty or absent, as YARP's configuration provider gives it.</summary>
    private static T[]? ReadList<T>(ref Utf8JsonReader reader, Utf8StringPool pool, string property, ItemReader<T> read)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"'{property}' must be a list, not {reader.TokenType}");
        }

        T? first = default;
        List<T>? items = null;
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"'{property}' entries must be objects, not {reader.TokenType}");
            }

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
            0 => null,
            1 => [first!],
            _ => [.. items!],
        };
    }
}
