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
        routes = new[]
        {
            new
            {
                routeId = "all",
                clusterId = "upstream",
                match = new { path = "{**catch-all}" },
                transforms = new[] { new Dictionary<string, string> { ["RequestHeader"] = UpstreamEcho.VersionHeader, ["Set"] = version } },
            },
        },
        clusters = new[]
        {
            new { clusterId = "upstream", destinations = new Dictionary<string, object> { ["primary"] = new { address = upstreamUrl } } },
        },
    });

    /// <summary>The same configuration as YAML: the declarative fallback of every node (tier 4), and one control-plane edit.</summary>
    public static string Yaml(string version, string upstreamUrl) => $$"""
        routes:
          - routeId: all
            clusterId: upstream
            match:
              path: "{**catch-all}"
            transforms:
              - RequestHeader: {{UpstreamEcho.VersionHeader}}
                Set: {{version}}
        clusters:
          - clusterId: upstream
            destinations:
              primary:
                address: {{upstreamUrl}}

        """;

    /// <summary>The configuration hash the data planes report: lowercase hex SHA-256 of the UTF-8 JSON.</summary>
    public static string Hash(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
}
