using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Resilience.Samples.Demo;

/// <summary>
/// The gateway configurations of the demo: one catch-all YARP route to the upstream whose request transform adds
/// <c>X-Config-Version: &lt;version&gt;</c>, so every response says which configuration routed it.
/// </summary>
internal static class GatewayConfigs
{
    public const string DeclarativeVersion = "yaml";

    /// <summary>The JSON the control plane publishes for a version (published verbatim, so its hash is known here).</summary>
    public static string Json(string version, string upstreamUrl) => JsonSerializer.Serialize(new
    {
        // YARP's own shape: routes and clusters keyed by id, as an appsettings "ReverseProxy" section holds them.
        Routes = new Dictionary<string, object>
        {
            ["all"] = new
            {
                ClusterId = "upstream",
                Match = new { Path = "{**catch-all}" },
                Transforms = new[] { new Dictionary<string, string> { ["RequestHeader"] = UpstreamEcho.VersionHeader, ["Set"] = version } },
            },
        },
        Clusters = new Dictionary<string, object>
        {
            ["upstream"] = new { Destinations = new Dictionary<string, object> { ["primary"] = new { Address = upstreamUrl } } },
        },
    });

    /// <summary>The same configuration as YAML: the declarative fallback of every node (tier 4), and one control-plane edit.</summary>
    public static string Yaml(string version, string upstreamUrl) => $$"""
        Routes:
          all:
            ClusterId: upstream
            Match:
              Path: "{**catch-all}"
            Transforms:
              - RequestHeader: {{UpstreamEcho.VersionHeader}}
                Set: {{version}}
        Clusters:
          upstream:
            Destinations:
              primary:
                Address: {{upstreamUrl}}

        """;

    /// <summary>The configuration hash the data planes report: lowercase hex SHA-256 of the UTF-8 JSON.</summary>
    public static string Hash(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
}
