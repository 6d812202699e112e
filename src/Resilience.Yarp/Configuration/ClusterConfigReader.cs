using System.Net.Http;
using System.Security.Authentication;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using static Resilience.Yarp.JsonCollections;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Reads one cluster object into YARP's <see cref="ClusterConfig"/> as YARP's own loader builds it from the same JSON
/// (<c>ConfigurationConfigProvider.CreateCluster</c> and the methods it calls): the key is the id (a <c>ClusterId</c>
/// property is not read), destinations in a dictionary that ignores case (always present, empty when none), an
/// object that is null or <c>{}</c> absent and one that is <c>[]</c> present with nothing set, values as the binder
/// stores them (<see cref="JsonValues"/>). Clusters are a few hundred at most; routes are the bulk.
/// </summary>
internal static class ClusterConfigReader
{
    private static readonly PropertyNames ClusterNames = new("LoadBalancingPolicy", "SessionAffinity", "HealthCheck", "HttpClient", "HttpRequest", "Metadata", "Destinations");
    private static readonly PropertyNames DestinationNames = new("Address", "Health", "Metadata", "Host");
    private static readonly PropertyNames AffinityNames = new("Enabled", "Policy", "FailurePolicy", "AffinityKeyName", "Cookie");
    private static readonly PropertyNames CookieNames = new("Path", "SameSite", "HttpOnly", "MaxAge", "Domain", "IsEssential", "SecurePolicy", "Expiration");
    private static readonly PropertyNames HealthCheckNames = new("Passive", "Active", "AvailableDestinationsPolicy");
    private static readonly PropertyNames PassiveNames = new("Enabled", "Policy", "ReactivationPeriod");
    private static readonly PropertyNames ActiveNames = new("Enabled", "Interval", "Timeout", "Policy", "Path", "Query");
    private static readonly PropertyNames HttpClientNames = new("SslProtocols", "DangerousAcceptAnyServerCertificate", "MaxConnectionsPerServer", "EnableMultipleHttp2Connections", "RequestHeaderEncoding", "ResponseHeaderEncoding", "WebProxy");
    private static readonly PropertyNames WebProxyNames = new("Address", "BypassOnLocal", "UseDefaultCredentials");
    private static readonly PropertyNames HttpRequestNames = new("ActivityTimeout", "Version", "VersionPolicy", "AllowResponseBuffering");

    /// <summary>Reads the cluster at the reader's value; leaves the reader on its end.</summary>
    /// <param name="reader">The reader, on the cluster's value.</param>
    /// <param name="id">The key the cluster is stored under: its id.</param>
    /// <param name="pool">The parse's strings.</param>
    /// <returns>The cluster.</returns>
    public static ClusterConfig Read(ref Utf8JsonReader reader, string id, Utf8StringPool pool)
    {
        string? loadBalancing = null;
        SessionAffinityConfig? affinity = null;
        HealthCheckConfig? healthCheck = null;
        HttpClientConfig? httpClient = null;
        ForwarderRequestConfig? httpRequest = null;
        IReadOnlyDictionary<string, string>? metadata = null;
        Dictionary<string, DestinationConfig>? destinations = null;
        if (Begin(ref reader, "cluster", out _))
        {
            var keys = default(ObjectKeys);
            while (NextProperty(ref reader, ClusterNames, ref keys, out var index))
            {
                switch (index)
                {
                    case 0: loadBalancing = Text(ref reader, pool, "LoadBalancingPolicy"); break;
                    case 1: affinity = ReadSessionAffinity(ref reader, pool); break;
                    case 2: healthCheck = ReadHealthCheck(ref reader, pool); break;
                    case 3: httpClient = ReadHttpClient(ref reader, pool); break;
                    case 4: httpRequest = ReadHttpRequest(ref reader); break;
                    case 5: metadata = StringMap(ref reader, pool, "Metadata"); break;
                    case 6: destinations = ReadDestinations(ref reader, pool); break;
                    default: ObjectKeys.Skip(ref reader); break;
                }
            }
        }

        return new ClusterConfig
        {
            ClusterId = id,
            LoadBalancingPolicy = loadBalancing,
            SessionAffinity = affinity,
            HealthCheck = healthCheck,
            HttpClient = httpClient,
            HttpRequest = httpRequest,
            Metadata = metadata,
            Destinations = destinations ?? new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase),
        };
    }

    private static Dictionary<string, DestinationConfig> ReadDestinations(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        var destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase);
        if (Container(ref reader, JsonTokenType.StartObject, "Destinations", "an object keyed by name") != ContainerValue.Open)
        {
            return destinations;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = StringValue(ref reader, pool);
            ObjectKeys.CheckDelimiter(name);
            reader.Read();
            if (!destinations.TryAdd(name, ReadDestination(ref reader, pool, name)))
            {
                throw KeyRuleException.Duplicate(name);
            }
        }

        return destinations;
    }

    private static DestinationConfig ReadDestination(ref Utf8JsonReader reader, Utf8StringPool pool, string name)
    {
        string? address = null, health = null, host = null;
        IReadOnlyDictionary<string, string>? metadata = null;
        if (Begin(ref reader, $"Destinations.{name}", out _))
        {
            var keys = default(ObjectKeys);
            while (NextProperty(ref reader, DestinationNames, ref keys, out var index))
            {
                switch (index)
                {
                    case 0: address = Text(ref reader, null, "Address"); break;
                    case 1: health = Text(ref reader, null, "Health"); break;
                    case 2: metadata = StringMap(ref reader, pool, "Metadata"); break;
                    case 3: host = Text(ref reader, pool, "Host"); break;
                    default: ObjectKeys.Skip(ref reader); break;
                }
            }
        }

        return new DestinationConfig { Address = address!, Health = health, Host = host, Metadata = metadata };
    }

    private static SessionAffinityConfig? ReadSessionAffinity(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        bool? enabled = null;
        string? policy = null, failurePolicy = null, keyName = null;
        SessionAffinityCookieConfig? cookie = null;
        if (!Begin(ref reader, "SessionAffinity", out var present))
        {
            return present ? new SessionAffinityConfig { AffinityKeyName = null! } : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, AffinityNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: enabled = Boolean(ref reader, "SessionAffinity.Enabled"); break;
                case 1: policy = Text(ref reader, pool, "SessionAffinity.Policy"); break;
                case 2: failurePolicy = Text(ref reader, pool, "SessionAffinity.FailurePolicy"); break;
                case 3: keyName = Text(ref reader, pool, "SessionAffinity.AffinityKeyName"); break;
                case 4: cookie = ReadCookie(ref reader, pool); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new SessionAffinityConfig { Enabled = enabled, Policy = policy, FailurePolicy = failurePolicy, AffinityKeyName = keyName!, Cookie = cookie };
    }

    private static SessionAffinityCookieConfig? ReadCookie(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        string? path = null, domain = null;
        SameSiteMode? sameSite = null;
        CookieSecurePolicy? securePolicy = null;
        bool? httpOnly = null, essential = null;
        TimeSpan? maxAge = null, expiration = null;
        if (!Begin(ref reader, "SessionAffinity.Cookie", out var present))
        {
            return present ? new SessionAffinityCookieConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, CookieNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: path = Text(ref reader, pool, "Cookie.Path"); break;
                case 1: sameSite = JsonValues.Enum<SameSiteMode>(ref reader, "Cookie.SameSite"); break;
                case 2: httpOnly = Boolean(ref reader, "Cookie.HttpOnly"); break;
                case 3: maxAge = JsonValues.TimeSpan(ref reader, "Cookie.MaxAge"); break;
                case 4: domain = Text(ref reader, pool, "Cookie.Domain"); break;
                case 5: essential = Boolean(ref reader, "Cookie.IsEssential"); break;
                case 6: securePolicy = JsonValues.Enum<CookieSecurePolicy>(ref reader, "Cookie.SecurePolicy"); break;
                case 7: expiration = JsonValues.TimeSpan(ref reader, "Cookie.Expiration"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new SessionAffinityCookieConfig
        {
            Path = path,
            SameSite = sameSite,
            HttpOnly = httpOnly,
            MaxAge = maxAge,
            Domain = domain,
            IsEssential = essential,
            SecurePolicy = securePolicy,
            Expiration = expiration,
        };
    }

    private static HealthCheckConfig? ReadHealthCheck(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        PassiveHealthCheckConfig? passive = null;
        ActiveHealthCheckConfig? active = null;
        string? available = null;
        if (!Begin(ref reader, "HealthCheck", out var present))
        {
            return present ? new HealthCheckConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, HealthCheckNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: passive = ReadPassive(ref reader, pool); break;
                case 1: active = ReadActive(ref reader, pool); break;
                case 2: available = Text(ref reader, pool, "HealthCheck.AvailableDestinationsPolicy"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new HealthCheckConfig { Passive = passive, Active = active, AvailableDestinationsPolicy = available };
    }

    private static PassiveHealthCheckConfig? ReadPassive(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        bool? enabled = null;
        string? policy = null;
        TimeSpan? reactivation = null;
        if (!Begin(ref reader, "HealthCheck.Passive", out var present))
        {
            return present ? new PassiveHealthCheckConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, PassiveNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: enabled = Boolean(ref reader, "HealthCheck.Passive.Enabled"); break;
                case 1: policy = Text(ref reader, pool, "HealthCheck.Passive.Policy"); break;
                case 2: reactivation = JsonValues.TimeSpan(ref reader, "HealthCheck.Passive.ReactivationPeriod"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new PassiveHealthCheckConfig { Enabled = enabled, Policy = policy, ReactivationPeriod = reactivation };
    }

    private static ActiveHealthCheckConfig? ReadActive(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        bool? enabled = null;
        TimeSpan? interval = null, timeout = null;
        string? policy = null, path = null, query = null;
        if (!Begin(ref reader, "HealthCheck.Active", out var present))
        {
            return present ? new ActiveHealthCheckConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, ActiveNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: enabled = Boolean(ref reader, "HealthCheck.Active.Enabled"); break;
                case 1: interval = JsonValues.TimeSpan(ref reader, "HealthCheck.Active.Interval"); break;
                case 2: timeout = JsonValues.TimeSpan(ref reader, "HealthCheck.Active.Timeout"); break;
                case 3: policy = Text(ref reader, pool, "HealthCheck.Active.Policy"); break;
                case 4: path = Text(ref reader, pool, "HealthCheck.Active.Path"); break;
                case 5: query = Text(ref reader, pool, "HealthCheck.Active.Query"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new ActiveHealthCheckConfig { Enabled = enabled, Interval = interval, Timeout = timeout, Policy = policy, Path = path, Query = query };
    }

    private static HttpClientConfig? ReadHttpClient(ref Utf8JsonReader reader, Utf8StringPool pool)
    {
        SslProtocols? sslProtocols = null;
        bool? acceptAny = null, multipleHttp2 = null;
        int? maxConnections = null;
        string? requestEncoding = null, responseEncoding = null;
        WebProxyConfig? webProxy = null;
        if (!Begin(ref reader, "HttpClient", out var present))
        {
            return present ? new HttpClientConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, HttpClientNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: sslProtocols = ReadSslProtocols(ref reader); break;
                case 1: acceptAny = Boolean(ref reader, "HttpClient.DangerousAcceptAnyServerCertificate"); break;
                case 2: maxConnections = Int32(ref reader, "HttpClient.MaxConnectionsPerServer"); break;
                case 3: multipleHttp2 = Boolean(ref reader, "HttpClient.EnableMultipleHttp2Connections"); break;
                case 4: requestEncoding = Text(ref reader, pool, "HttpClient.RequestHeaderEncoding"); break;
                case 5: responseEncoding = Text(ref reader, pool, "HttpClient.ResponseHeaderEncoding"); break;
                case 6: webProxy = ReadWebProxy(ref reader); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new HttpClientConfig
        {
            SslProtocols = sslProtocols,
            DangerousAcceptAnyServerCertificate = acceptAny,
            MaxConnectionsPerServer = maxConnections,
            EnableMultipleHttp2Connections = multipleHttp2,
            RequestHeaderEncoding = requestEncoding,
            ResponseHeaderEncoding = responseEncoding,
            WebProxy = webProxy,
        };
    }

    /// <summary>As YARP's loader: every entry parsed as <c>Enum.Parse&lt;SslProtocols&gt;(value, ignoreCase: true)</c> and or-ed; none is null.</summary>
    private static SslProtocols? ReadSslProtocols(ref Utf8JsonReader reader)
    {
        if (Container(ref reader, JsonTokenType.StartArray, "HttpClient.SslProtocols", "a list such as [\"Tls12\", \"Tls13\"]") != ContainerValue.Open)
        {
            return null;
        }

        SslProtocols? protocols = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var protocol = JsonValues.Enum<SslProtocols>(ref reader, "HttpClient.SslProtocols") ?? throw new JsonException("'HttpClient.SslProtocols' entries must be protocol names, not null");
            protocols = protocols is null ? protocol : protocols | protocol;
        }

        return protocols;
    }

    private static WebProxyConfig? ReadWebProxy(ref Utf8JsonReader reader)
    {
        Uri? address = null;
        bool? bypassOnLocal = null, defaultCredentials = null;
        if (!Begin(ref reader, "HttpClient.WebProxy", out var present))
        {
            return present ? new WebProxyConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, WebProxyNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: address = JsonValues.Uri(ref reader, "HttpClient.WebProxy.Address"); break;
                case 1: bypassOnLocal = Boolean(ref reader, "HttpClient.WebProxy.BypassOnLocal"); break;
                case 2: defaultCredentials = Boolean(ref reader, "HttpClient.WebProxy.UseDefaultCredentials"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new WebProxyConfig { Address = address, BypassOnLocal = bypassOnLocal, UseDefaultCredentials = defaultCredentials };
    }

    private static ForwarderRequestConfig? ReadHttpRequest(ref Utf8JsonReader reader)
    {
        TimeSpan? activityTimeout = null;
        Version? version = null;
        HttpVersionPolicy? versionPolicy = null;
        bool? allowBuffering = null;
        if (!Begin(ref reader, "HttpRequest", out var present))
        {
            return present ? new ForwarderRequestConfig() : null;
        }

        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, HttpRequestNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0: activityTimeout = JsonValues.TimeSpan(ref reader, "HttpRequest.ActivityTimeout"); break;
                case 1: version = JsonValues.Version(ref reader, "HttpRequest.Version"); break;
                case 2: versionPolicy = JsonValues.Enum<HttpVersionPolicy>(ref reader, "HttpRequest.VersionPolicy"); break;
                case 3: allowBuffering = Boolean(ref reader, "HttpRequest.AllowResponseBuffering"); break;
                default: ObjectKeys.Skip(ref reader); break;
            }
        }

        return keys.Count == 0 ? null : new ForwarderRequestConfig { ActivityTimeout = activityTimeout, Version = version, VersionPolicy = versionPolicy, AllowResponseBuffering = allowBuffering };
    }

    /// <summary>
    /// Starts an object: <see langword="true"/> on <c>{</c> (read its properties; none means absent, as <c>{}</c> is to
    /// the binder); otherwise <see langword="false"/>, with <paramref name="present"/> when the value was <c>[]</c>
    /// (present, nothing set) rather than null.
    /// </summary>
    private static bool Begin(ref Utf8JsonReader reader, string property, out bool present)
    {
        var value = Container(ref reader, JsonTokenType.StartObject, property, "an object");
        present = value != ContainerValue.Absent;
        return value == ContainerValue.Open;
    }
}
