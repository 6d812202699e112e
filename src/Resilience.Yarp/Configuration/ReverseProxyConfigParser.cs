using System.Text.Json;
using System.Text.Json.Serialization;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp;

/// <summary>
/// Reads YARP's own configuration shape from UTF-8 JSON in one pass: the object an appsettings file holds under
/// <c>"ReverseProxy"</c> (<c>Routes</c> and <c>Clusters</c> keyed by id, string enums such as
/// <c>"Mode": "ExactHeader"</c>, names in any case), or a whole document with a <c>ReverseProxy</c> property.
/// Arrays of routes and clusters that carry their own <c>RouteId</c>/<c>ClusterId</c> are read as well.
/// </summary>
internal static class ReverseProxyConfigParser
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>Parses a configuration.</summary>
    /// <param name="json">UTF-8 JSON, already known to be well-formed.</param>
    /// <param name="config">The routes and clusters, when parsed.</param>
    /// <param name="error">Why it could not be parsed, otherwise.</param>
    /// <returns>Whether it was parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, out ReverseProxyConfig config, out string? error)
    {
        ProxyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<ProxyDocument>(json, Options);
        }
        catch (JsonException ex)
        {
            config = ReverseProxyConfig.Empty;
            error = $"not a YARP configuration: {ex.Message}";
            return false;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or NotSupportedException)
        {
            // Converters of YARP's value types (TimeSpan, Version, Uri) report bad values with these.
            config = ReverseProxyConfig.Empty;
            error = $"not a YARP configuration: {ex.Message}";
            return false;
        }

        var section = document?.ReverseProxy ?? document;
        if (section is null || (section.Routes is null && section.Clusters is null))
        {
            config = ReverseProxyConfig.Empty;
            error = "not a YARP configuration: neither Routes nor Clusters (nor a ReverseProxy section holding them) was found";
            return false;
        }

        config = new ReverseProxyConfig(section.Routes ?? [], section.Clusters ?? []);
        error = null;
        return true;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            // As YARP's configuration binder: names in any case, enums by name (or number), comments allowed.
            PropertyNameCaseInsensitive = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        // Before the enum converter, which would otherwise claim SslProtocols too.
        options.Converters.Add(new SslProtocolsConverter());
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new LenientVersionConverter());
        options.Converters.Add(new KeyedListConverter<RouteConfig>("route", static (route, id) => route with { RouteId = id }, static route => route.RouteId));
        options.Converters.Add(new KeyedListConverter<ClusterConfig>("cluster", static (cluster, id) => cluster with { ClusterId = id }, static cluster => cluster.ClusterId));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The document: the section itself, or an appsettings-like document holding it under <c>ReverseProxy</c>.</summary>
    private sealed class ProxyDocument
    {
        public ProxyDocument? ReverseProxy { get; set; }

        public IReadOnlyList<RouteConfig>? Routes { get; set; }

        public IReadOnlyList<ClusterConfig>? Clusters { get; set; }
    }
}
