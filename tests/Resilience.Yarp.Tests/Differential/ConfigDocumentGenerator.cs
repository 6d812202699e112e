using System.Globalization;
using System.Net.Http;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp.Tests;

/// <summary>
/// Seeded YARP configuration documents as people write them: every property of <see cref="RouteConfig"/>,
/// <see cref="RouteMatch"/>, <see cref="RouteHeader"/>, <see cref="RouteQueryParameter"/>, <see cref="ClusterConfig"/>,
/// <see cref="DestinationConfig"/>, <see cref="SessionAffinityConfig"/> (and its cookie),
/// <see cref="HealthCheckConfig"/> (active and passive), <see cref="HttpClientConfig"/>, <see cref="WebProxyConfig"/> and
/// <c>ForwarderRequestConfig</c>, each in plain JSON types or in a form the
/// configuration binder converts (numbers and booleans as strings, enums by number or in any case, names in any case,
/// escaped keys, comments, trailing commas, a whole appsettings document). A third of the documents are tame (only
/// such forms), the rest wild: values YARP refuses, null, <c>{}</c> and <c>[]</c> anywhere, wrong shapes, keys given
/// twice or holding <c>:</c>, unknown properties, routes to missing clusters.
/// </summary>
internal sealed class ConfigDocumentGenerator(int seed)
{
    private static readonly string[] Paths = ["/api/{**rest}", "/orders", "{**catch-all}", "/users/{id}", "/", "/static/{*file}"];
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    private static readonly string[] Hosts = ["example.com", "*.example.com", "localhost:5000", "api.internal"];
    private static readonly string[] Addresses = ["http://10.0.0.1:8080/", "https://orders.internal/", "http://localhost:5000", "https://[::1]:443/"];
    private static readonly string[] LoadBalancing = ["PowerOfTwoChoices", "RoundRobin", "Random", "LeastRequests", "FirstAlphabetical"];

    private readonly Random _random = new(seed);
    private double _wild;

    /// <summary>Gets whether the last document was generated tame (only forms YARP accepts).</summary>
    public bool LastWasTame { get; private set; }

    public byte[] Next()
    {
        _wild = _random.Next(4) switch { 0 or 1 => 0, 2 => 0.01, _ => 0.05 };
        LastWasTame = _wild == 0;
        var clusterIds = Ids("c", 1 + _random.Next(3));
        var routeIds = Ids("r", 1 + _random.Next(4));
        var section = new JsonObject();
        section.Add(Name("Routes"), Keyed(routeIds, id => Route(clusterIds)));
        section.Add(Name("Clusters"), Keyed(clusterIds, _ => Cluster()));
        Extra(section);
        JsonNode document = section;
        if (_random.Next(3) == 0)
        {
            // A whole appsettings document, as YARP's samples have it.
            var appsettings = new JsonObject()
                .Add("Logging", new JsonObject().Add("LogLevel", new JsonObject().Add("Default", JsonNode.String("Information")).Add("Microsoft.AspNetCore", JsonNode.String("Warning"))))
                .Add("AllowedHosts", JsonNode.String("*"));
            if (Wild())
            {
                // Top-level Routes beside the section: YARP reads only the section.
                appsettings.Add("Routes", JsonNode.String("not read"));
            }

            appsettings.Add(Name("ReverseProxy"), section);
            document = appsettings;
        }

        var writer = new JsonNodeWriter(_random, comments: _random.Next(3) == 0, trailingCommas: _random.Next(3) == 0, indented: _random.Next(2) == 0, escapeSome: true);
        return System.Text.Encoding.UTF8.GetBytes(writer.Write(document));
    }

    private List<string> Ids(string prefix, int count)
    {
        var ids = new List<string>();
        while (ids.Count < count)
        {
            var id = _random.Next(6) switch
            {
                0 => _random.Next(100).ToString(CultureInfo.InvariantCulture),
                1 => $"{prefix}-{_random.Next(1000)}.v2",
                _ => $"{prefix}{_random.Next(1000)}",
            };
            if (!ids.Contains(id, StringComparer.OrdinalIgnoreCase))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private JsonNode Keyed(List<string> ids, Func<string, JsonNode> item)
    {
        if (Wild())
        {
            return _random.Next(4) switch
            {
                0 => new JsonArray([.. ids.Select(item)]),
                1 => JsonNode.Null,
                2 => new JsonObject(),
                _ => new JsonArray([]),
            };
        }

        var keyed = new JsonObject();
        foreach (var id in ids)
        {
            keyed.Add(id, item(id));
        }

        if (Wild())
        {
            keyed.Add(_random.Next(2) == 0 ? Flip(ids[0]) : ids[0] + ":x", item(ids[0]));
        }

        return keyed;
    }

    private JsonNode Route(List<string> clusterIds)
    {
        if (Wild())
        {
            return Empty();
        }

        var route = new JsonObject();
        if (_random.Next(10) != 0)
        {
            var clusterId = _random.Next(12) switch
            {
                0 => "missing",
                1 => Flip(clusterIds[0]),
                _ => clusterIds[_random.Next(clusterIds.Count)],
            };
            Maybe(route, "ClusterId", () => Text(clusterId), always: true);
        }

        Maybe(route, "Match", Match, always: !Wild());
        Maybe(route, "Order", () => Int(_random.Next(-3, 10), int32: true));
        Maybe(route, "MaxRequestBodySize", () => Int(_random.Next(3) switch { 0 => -1, 1 => 1_048_576, _ => 10_000_000_000 }, int32: false));
        Maybe(route, "AuthorizationPolicy", () => Text(Wild() ? "nope" : Pick("Default", "anonymous", TestPolicies.Authorization[0])));
        Maybe(route, "CorsPolicy", () => Text(Pick("Default", "disable", TestPolicies.Cors[0])));
        Maybe(route, "RateLimiterPolicy", () => Text(Pick("Default", "Disable", TestPolicies.RateLimiter[0])));
        Maybe(route, "OutputCachePolicy", () => Text(TestPolicies.OutputCache[0]));
        if (_random.Next(2) == 0)
        {
            Maybe(route, "TimeoutPolicy", () => Text(Pick("Disable", TestPolicies.Timeout[0])));
        }
        else
        {
            Maybe(route, "Timeout", () => Duration(TimeSpan.FromSeconds(_random.Next(1, 100))));
        }

        Maybe(route, "Metadata", () => Map(("team", "orders"), ("TransportFailureRateHealthPolicy.RateLimit", "0.5"), ("flag", "true"), ("n", "42")));
        Maybe(route, "Transforms", Transforms);
        if (Wild())
        {
            route.Add(Name("RouteId"), Pick(JsonNode.String("r"), JsonNode.String(""), JsonNode.Null, new JsonObject()));
        }

        Extra(route);
        return route;
    }

    private JsonNode Match()
    {
        var match = new JsonObject();
        Maybe(match, "Path", () => Text(Paths[_random.Next(Paths.Length)]), always: !Wild());
        Maybe(match, "Methods", () => Values(Methods, 3, caseless: true));
        Maybe(match, "Hosts", () => Values(Hosts, 2, caseless: false));
        Maybe(match, "Headers", () => Matchers(header: true));
        Maybe(match, "QueryParameters", () => Matchers(header: false));
        Extra(match);
        return match;
    }

    private JsonNode Matchers(bool header)
    {
        if (Wild())
        {
            return Pick<JsonNode>(new JsonObject(), new JsonArray([]), JsonNode.Null, JsonNode.String("X-Tenant"));
        }

        var items = new List<JsonNode>();
        for (var i = _random.Next(1, 3); i > 0; i--)
        {
            var matcher = new JsonObject();
            Maybe(matcher, "Name", () => Text(header ? Pick("X-Tenant", "x-api-version") : Pick("q", "version")), always: !Wild());
            var existence = _random.Next(4) == 0;
            if (header)
            {
                Maybe(matcher, "Mode", () => EnumValue(existence ? Pick(HeaderMatchMode.Exists, HeaderMatchMode.NotExists) : Pick(HeaderMatchMode.ExactHeader, HeaderMatchMode.HeaderPrefix, HeaderMatchMode.Contains, HeaderMatchMode.NotContains)), always: existence);
            }
            else
            {
                Maybe(matcher, "Mode", () => EnumValue(existence ? QueryParameterMatchMode.Exists : Pick(QueryParameterMatchMode.Exact, QueryParameterMatchMode.Prefix, QueryParameterMatchMode.Contains, QueryParameterMatchMode.NotContains)), always: existence);
            }

            if (!existence || Wild())
            {
                Maybe(matcher, "Values", () => new JsonArray([.. Enumerable.Range(0, _random.Next(1, 3)).Select(_ => Text(Pick("a", "7", "true", "v2")))]), always: true);
            }

            Maybe(matcher, "IsCaseSensitive", () => Bool(_random.Next(2) == 0));
            Extra(matcher);
            items.Add(Wild() ? Empty() : matcher);
        }

        return new JsonArray(items);
    }

    private JsonNode Transforms()
    {
        if (Wild())
        {
            return Empty();
        }

        var transforms = new List<JsonNode>();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            transforms.Add(_random.Next(7) switch
            {
                0 => Transform(("PathPrefix", Text("/prefix"))),
                1 => Transform(("PathRemovePrefix", Text("/api"))),
                2 => Transform(("RequestHeadersCopy", Bool(_random.Next(2) == 0))),
                3 => Transform(("RequestHeader", Text("X-Forwarded-Tenant")), (Pick("Set", "Append"), Text(Pick("a", "1", "true")))),
                4 => Transform(("ResponseHeader", Text("X-Served-By")), ("Set", Text("gateway")), ("When", Text(Pick("Success", "Always", "Failure")))),
                5 => Transform(("RequestHeaderOriginalHost", Bool(_random.Next(2) == 0))),
                _ => Wild() ? Empty() : Transform(("PathSet", Text("/fixed"))),
            });
        }

        return new JsonArray(transforms);
    }

    private JsonNode Transform(params (string Key, JsonNode Value)[] entries)
    {
        var transform = new JsonObject();
        foreach (var (key, value) in entries)
        {
            transform.Add(Name(key), value);
        }

        return transform;
    }

    private JsonNode Cluster()
    {
        if (Wild())
        {
            return Empty();
        }

        var cluster = new JsonObject();
        Maybe(cluster, "LoadBalancingPolicy", () => Text(LoadBalancing[_random.Next(LoadBalancing.Length)]));
        Maybe(cluster, "SessionAffinity", SessionAffinity);
        Maybe(cluster, "HealthCheck", HealthCheck);
        Maybe(cluster, "HttpClient", HttpClientSettings);
        Maybe(cluster, "HttpRequest", HttpRequestSettings);
        Maybe(cluster, "Metadata", () => Map(("TransportFailureRateHealthPolicy.RateLimit", "0.5"), ("ConsecutiveFailuresHealthPolicy.Threshold", "3"), ("owner", "team-a")));
        Maybe(cluster, "Destinations", Destinations, always: _random.Next(6) != 0);
        if (_random.Next(6) == 0)
        {
            // YARP's loader does not read it: the key is the id.
            cluster.Add(Name("ClusterId"), Text("ignored"));
        }

        Extra(cluster);
        return cluster;
    }

    private JsonNode Destinations()
    {
        var destinations = new JsonObject();
        foreach (var name in Ids("d", _random.Next(0, 4)))
        {
            var destination = new JsonObject();
            Maybe(destination, "Address", () => Text(Addresses[_random.Next(Addresses.Length)]), always: !Wild());
            Maybe(destination, "Health", () => Text("http://10.0.0.1:9090/"));
            Maybe(destination, "Host", () => Text("orders.example"));
            Maybe(destination, "Metadata", () => Map(("zone", "a"), ("weight", "2")));
            Extra(destination);
            destinations.Add(name, Wild() ? Empty() : destination);
        }

        if (destinations.Properties.Count > 0 && Wild())
        {
            destinations.Add(Flip(destinations.Properties[0].Key), new JsonObject().Add("Address", JsonNode.String(Addresses[0])));
        }

        return destinations;
    }

    private JsonNode SessionAffinity()
    {
        var affinity = new JsonObject();
        Maybe(affinity, "Enabled", () => Bool(_random.Next(2) == 0));
        Maybe(affinity, "Policy", () => Text(Pick("HashCookie", "Cookie", "CustomHeader", "ArrCookie")));
        Maybe(affinity, "FailurePolicy", () => Text(Pick("Redistribute", "Return503Error")));
        Maybe(affinity, "AffinityKeyName", () => Text("affinity"), always: !Wild());
        Maybe(affinity, "Cookie", () =>
        {
            var cookie = new JsonObject();
            Maybe(cookie, "Path", () => Text("/"));
            Maybe(cookie, "SameSite", () => EnumValue(Pick(SameSiteMode.Lax, SameSiteMode.Strict, SameSiteMode.None, SameSiteMode.Unspecified)));
            Maybe(cookie, "HttpOnly", () => Bool(true));
            Maybe(cookie, "MaxAge", () => Duration(TimeSpan.FromHours(_random.Next(1, 48))));
            Maybe(cookie, "Domain", () => Text("example.com"));
            Maybe(cookie, "IsEssential", () => Bool(false));
            Maybe(cookie, "SecurePolicy", () => EnumValue(Pick(CookieSecurePolicy.Always, CookieSecurePolicy.None, CookieSecurePolicy.SameAsRequest)));
            Maybe(cookie, "Expiration", () => Duration(TimeSpan.FromMinutes(_random.Next(1, 600))));
            Extra(cookie);
            return cookie;
        });
        Extra(affinity);
        return affinity;
    }

    private JsonNode HealthCheck()
    {
        var health = new JsonObject();
        Maybe(health, "Passive", () =>
        {
            var passive = new JsonObject();
            Maybe(passive, "Enabled", () => Bool(_random.Next(2) == 0));
            Maybe(passive, "Policy", () => Text("TransportFailureRate"));
            Maybe(passive, "ReactivationPeriod", () => Duration(TimeSpan.FromMinutes(_random.Next(1, 10))));
            return passive;
        });
        Maybe(health, "Active", () =>
        {
            var active = new JsonObject();
            Maybe(active, "Enabled", () => Bool(_random.Next(2) == 0));
            Maybe(active, "Interval", () => Duration(TimeSpan.FromSeconds(_random.Next(1, 60))));
            Maybe(active, "Timeout", () => Duration(TimeSpan.FromSeconds(_random.Next(1, 30))));
            Maybe(active, "Policy", () => Text("ConsecutiveFailures"));
            Maybe(active, "Path", () => Text("/health"));
            Maybe(active, "Query", () => Text("?probe=1"));
            return active;
        });
        Maybe(health, "AvailableDestinationsPolicy", () => Text(Pick("HealthyAndUnknown", "HealthyOrPanic")));
        Extra(health);
        return health;
    }

    private JsonNode HttpClientSettings()
    {
        var client = new JsonObject();
        Maybe(client, "SslProtocols", () => Wild()
            ? Pick<JsonNode>(JsonNode.String("Tls12"), new JsonArray([JsonNode.Null]), new JsonArray([JsonNode.String("Tls12, Tls13")]), new JsonArray([]))
            : new JsonArray([.. Enumerable.Range(0, _random.Next(1, 3)).Select(_ => EnumValue(Pick(SslProtocols.Tls12, SslProtocols.Tls13, SslProtocols.None)))]));
        Maybe(client, "DangerousAcceptAnyServerCertificate", () => Bool(_random.Next(2) == 0));
        Maybe(client, "MaxConnectionsPerServer", () => Int(_random.Next(-1, 2000), int32: true));
        Maybe(client, "EnableMultipleHttp2Connections", () => Bool(true));
        Maybe(client, "RequestHeaderEncoding", () => Text(Wild() ? "nope-8" : Pick("utf-8", "latin1")));
        Maybe(client, "ResponseHeaderEncoding", () => Text(Pick("utf-8", "Latin1")));
        Maybe(client, "WebProxy", () =>
        {
            var proxy = new JsonObject();
            Maybe(proxy, "Address", () => Wild() ? Text(Pick("proxy.local", "", "/relative", "http://")) : Text(Pick("http://proxy:8080", "http://127.0.0.1:3128/")));
            Maybe(proxy, "BypassOnLocal", () => Bool(true));
            Maybe(proxy, "UseDefaultCredentials", () => Bool(false));
            return proxy;
        });
        Extra(client);
        return client;
    }

    private JsonNode HttpRequestSettings()
    {
        var request = new JsonObject();
        Maybe(request, "ActivityTimeout", () => Duration(TimeSpan.FromSeconds(_random.Next(1, 300))));
        Maybe(request, "Version", () => _random.Next(5) switch
        {
            0 => JsonNode.Raw("2"),
            1 => JsonNode.Raw("1.1"),
            2 => Wild() ? JsonNode.String(Pick("", "two", "1.1.1.1.1")) : JsonNode.String("3"),
            _ => JsonNode.String(Pick("1.1", "2", "2.0", "1.0")),
        });
        Maybe(request, "VersionPolicy", () => EnumValue(Pick(HttpVersionPolicy.RequestVersionOrLower, HttpVersionPolicy.RequestVersionOrHigher, HttpVersionPolicy.RequestVersionExact)));
        Maybe(request, "AllowResponseBuffering", () => Bool(_random.Next(2) == 0));
        Extra(request);
        return request;
    }

    /// <summary>Adds a property about half the time (or always), under its name in some case.</summary>
    private void Maybe(JsonObject target, string name, Func<JsonNode> value, bool always = false)
    {
        if (!always && _random.Next(2) == 0)
        {
            return;
        }

        // An object property may be replaced whole by an edge value.
        target.Add(Name(name), value());
        if (Wild() && _random.Next(3) == 0)
        {
            // The same key again in another case (the binder refuses two values; merges two objects), or with a ':' in it.
            target.Add(_random.Next(3) == 0 ? $"{name}:Extra" : Flip(name), value());
        }
    }

    private string Name(string name) => _random.Next(20) switch
    {
        0 => name.ToLowerInvariant(),
        1 => name.ToUpperInvariant(),
        2 => Flip(name),
        _ => name,
    };

    /// <summary>The same text with its letters' case changed, so that it is another key only to a case-sensitive reader.</summary>
    private string Flip(string text)
    {
        var flipped = new string([.. text.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]);
        return flipped == text ? text + "_" : flipped;
    }

    /// <summary>Unknown properties (YARP ignores them), sometimes with nested content, sometimes with a duplicate inside.</summary>
    private void Extra(JsonObject target)
    {
        if (_random.Next(8) != 0)
        {
            return;
        }

        var nested = new JsonObject().Add("note", JsonNode.String("x")).Add("list", new JsonArray([JsonNode.Raw("1"), new JsonObject().Add("a", JsonNode.Null)]));
        if (Wild())
        {
            nested.Add(Pick("NOTE", "note:x"), JsonNode.Raw("2"));
        }

        target.Add(Pick("Description", "x-owner", "Comment"), _random.Next(2) == 0 ? JsonNode.String("ignored") : nested);
    }

    private bool Wild() => _random.NextDouble() < _wild;

    /// <summary>What a hand-written document has where an object or a value was meant: null, {}, [], or a wrong shape.</summary>
    private JsonNode Empty() => _random.Next(5) switch
    {
        0 => JsonNode.Null,
        1 => new JsonObject(),
        2 => new JsonArray([]),
        3 => JsonNode.String("x"),
        _ => new JsonArray([JsonNode.Raw("1")]),
    };

    private JsonNode Text(string value)
    {
        if (Wild())
        {
            return Edge(value);
        }

        // A value that reads as a number or a boolean may be written as one: the binder stores its text.
        return _random.Next(4) == 0 && (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) || value is "true" or "false")
            ? JsonNode.Raw(value)
            : JsonNode.String(value);
    }

    private JsonNode Int(long value, bool int32)
    {
        if (Wild())
        {
            return Pick(JsonNode.Raw($"{value}.0"), JsonNode.String($"{value} "), JsonNode.Raw("1e2"), JsonNode.Raw("true"), JsonNode.String("99999999999"), Edge(value.ToString(CultureInfo.InvariantCulture)));
        }

        var text = value.ToString(CultureInfo.InvariantCulture);
        if (int32 && value is > int.MaxValue or < int.MinValue)
        {
            text = "7";
        }

        return _random.Next(4) switch
        {
            0 => JsonNode.String(text),
            1 when value >= 0 => JsonNode.String("+" + text),
            2 when value >= 0 => JsonNode.String("0" + text),
            _ => JsonNode.Raw(text),
        };
    }

    private JsonNode Bool(bool value)
    {
        if (Wild())
        {
            return Pick(JsonNode.Raw("1"), JsonNode.String("yes"), JsonNode.String(""), Edge(value ? "true" : "false"));
        }

        return _random.Next(5) switch
        {
            0 => JsonNode.String(value ? "true" : "false"),
            1 => JsonNode.String(value ? "True" : "FALSE"),
            2 => JsonNode.String(value ? " true " : "False"),
            _ => JsonNode.Raw(value ? "true" : "false"),
        };
    }

    private JsonNode Duration(TimeSpan value)
    {
        if (Wild())
        {
            return Pick(JsonNode.String("5s"), JsonNode.String("00:00:60"), JsonNode.Raw("true"), Edge(value.ToString("c", CultureInfo.InvariantCulture)));
        }

        return _random.Next(6) switch
        {
            0 => JsonNode.Raw("1"),
            1 => JsonNode.String("2"),
            2 => JsonNode.String(value.Add(TimeSpan.FromDays(1)).ToString("c", CultureInfo.InvariantCulture)),
            _ => JsonNode.String(value.ToString("c", CultureInfo.InvariantCulture)),
        };
    }

    private JsonNode EnumValue<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        if (Wild())
        {
            return Pick(JsonNode.String("Nope"), JsonNode.Raw("true"), JsonNode.String("99"), JsonNode.String($"{value}, {value}"), Edge(value.ToString()));
        }

        var name = value.ToString();
        var number = Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        return _random.Next(7) switch
        {
            0 => JsonNode.String(name.ToLowerInvariant()),
            1 => JsonNode.String(Flip(name)),
            2 => JsonNode.String(number),
            3 => JsonNode.Raw(number),
            4 => JsonNode.String($" {name} "),
            _ => JsonNode.String(name),
        };
    }

    /// <summary>A list of some of <paramref name="values"/>, written the ways the binder accepts (numbers, case).</summary>
    private JsonNode Values(string[] values, int max, bool caseless)
    {
        if (Wild())
        {
            return Pick<JsonNode>(JsonNode.String(values[0]), new JsonObject().Add("a", JsonNode.String(values[0])), new JsonArray([JsonNode.Null]), new JsonArray([JsonNode.String(values[0]), JsonNode.Raw("1")]), Empty());
        }

        var items = values.OrderBy(_ => _random.Next()).Take(_random.Next(1, max + 1))
            .Select(v => caseless && _random.Next(4) == 0 ? JsonNode.String(v.ToLowerInvariant()) : Text(v));
        return new JsonArray([.. items]);
    }

    /// <summary>A map with some of the entries, values sometimes numbers or booleans (as YARP's documentation writes them).</summary>
    private JsonNode Map(params (string Key, string Value)[] entries)
    {
        var map = new JsonObject();
        foreach (var (key, value) in entries.Where(_ => _random.Next(3) != 0))
        {
            map.Add(key, _random.Next(3) == 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || value is "true"
                ? JsonNode.Raw(value)
                : Text(value));
        }

        if (Wild())
        {
            map.Add(Pick("TEAM", "a:b", string.Empty, "nested"), Pick(JsonNode.String("x"), new JsonObject(), new JsonArray([]), new JsonObject().Add("deep", JsonNode.String("y"))));
        }

        return map;
    }

    /// <summary>What a value becomes at the edges: null, {}, [], a list or an object holding it.</summary>
    private JsonNode Edge(string value) => _random.Next(5) switch
    {
        0 => JsonNode.Null,
        1 => new JsonObject(),
        2 => new JsonArray([]),
        3 => new JsonArray([JsonNode.String(value)]),
        _ => new JsonObject().Add("value", JsonNode.String(value)),
    };

    private T Pick<T>(params T[] choices) => choices[_random.Next(choices.Length)];
}
