using System.Net;
using System.Text;
using System.Text.Json;

namespace Resilience.Integration.Tests;

/// <summary>The YARP sample gateway as a real process, real Kestrel upstreams, real HTTP traffic.</summary>
[Collection(GatewayProcessCollection.Name)]
public sealed class GatewaySampleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "resilience-it", Guid.NewGuid().ToString("N"));
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public GatewaySampleTests()
    {
        Directory.CreateDirectory(_dir);
        _client.DefaultRequestHeaders.Add(GatewayProcess.AdminKeyHeader, GatewayProcess.AdminKey);
    }

    [Fact]
    public async Task Gateway_serves_yaml_then_manual_config_rejects_bad_config_and_restarts_from_cache()
    {
        await using var upstreamA = await UpstreamServer.StartAsync("upstream-a");
        await using var upstreamB = await UpstreamServer.StartAsync("upstream-b");
        var yaml = Path.Combine(_dir, "fallback.yaml");
        await File.WriteAllTextAsync(yaml, $"Routes:\n  all:\n    ClusterId: c\n    Match: {{ Path: \"{{**rest}}\" }}\nClusters:\n  c:\n    Destinations:\n      d1: {{ Address: \"{upstreamA.Url}\" }}\n");
        var settings = new Dictionary<string, string>
        {
            ["Resilience:DataDirectory"] = Path.Combine(_dir, "data"),
            ["Resilience:Declarative:Path"] = yaml,
        };

        using (var gateway = await GatewayProcess.StartAsync(settings, _client))
        {
            await gateway.WaitUntilAsync(async () => await GetBodyAsync(gateway.Url + "/hello") == "upstream-a", TimeSpan.FromSeconds(30));
            Assert.Equal("Declarative", await StateAsync(gateway, "servingTier"));
            await gateway.WaitUntilAsync(async () => (await _client.GetAsync(gateway.Url + "/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));

            using (var anonymous = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            {
                var refused = await anonymous.PostAsync(gateway.Url + "/resilience/apply", Json(RouteTo("anonymous", upstreamB.Url)));
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(gateway.Url + "/resilience/state")).StatusCode);
            }

            Assert.Equal("upstream-a", await GetBodyAsync(gateway.Url + "/after-anonymous-apply"));
            var bad = await _client.PostAsync(gateway.Url + "/resilience/apply", Json(RouteTo("missing-cluster-ref", upstreamB.Url, clusterId: "nope")));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
            Assert.Contains("unknown cluster", await bad.Content.ReadAsStringAsync());
            Assert.Equal("upstream-a", await GetBodyAsync(gateway.Url + "/still-a"));

            var good = await _client.PostAsync(gateway.Url + "/resilience/apply", Json(RouteTo("to-b", upstreamB.Url)));
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
            await gateway.WaitUntilAsync(async () => await GetBodyAsync(gateway.Url + "/hello") == "upstream-b", TimeSpan.FromSeconds(30));
            Assert.Equal("Manual", await StateAsync(gateway, "servingTier"));
            gateway.Kill();
        }

        using var restarted = await GatewayProcess.StartAsync(settings, _client);
        Assert.Equal("Cache", await StateAsync(restarted, "servingTier"));
        await restarted.WaitUntilAsync(async () => await GetBodyAsync(restarted.Url + "/after-restart") == "upstream-b", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Gateway_with_nothing_to_serve_is_live_but_not_ready()
    {
        var settings = new Dictionary<string, string> { ["Resilience:DataDirectory"] = Path.Combine(_dir, "empty") };

        using var gateway = await GatewayProcess.StartAsync(settings, _client);
        await gateway.WaitUntilAsync(async () => await StateAsync(gateway, "startupCompleted") == "True", TimeSpan.FromSeconds(30));

        // Liveness must not fail for want of a configuration: a restart loop would not bring one.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(gateway.Url + "/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.GetAsync(gateway.Url + "/healthz/ready")).StatusCode);
    }

    public void Dispose()
    {
        _client.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Gateway_exposes_the_data_plane_instruments_at_the_prometheus_scrape_endpoint()
    {
        await using var upstream = await UpstreamServer.StartAsync("upstream-a");
        var yaml = Path.Combine(_dir, "fallback.yaml");
        await File.WriteAllTextAsync(yaml, $"Routes:\n  all:\n    ClusterId: c\n    Match: {{ Path: \"{{**rest}}\" }}\nClusters:\n  c:\n    Destinations:\n      d1: {{ Address: \"{upstream.Url}\" }}\n");
        var settings = new Dictionary<string, string>
        {
            ["Resilience:DataDirectory"] = Path.Combine(_dir, "data"),
            ["Resilience:Declarative:Path"] = yaml,
        };

        using var gateway = await GatewayProcess.StartAsync(settings, _client);
        await gateway.WaitUntilAsync(async () => await GetBodyAsync(gateway.Url + "/hello") == "upstream-a", TimeSpan.FromSeconds(30));

        // The catch-all route does not shadow the scrape endpoint; the tier gauge reads 1 (declarative).
        string? scrape = null;
        await gateway.WaitUntilAsync(async () => (scrape = await GetBodyAsync(gateway.Url + "/metrics")) is { } text && text.Contains("resilience_config_applies", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Matches(@"(?m)^resilience_config_serving_tier(\{[^}]*\})? 1( |$)", scrape!);
        Assert.Contains("resilience_config_apply_duration_seconds", scrape, StringComparison.Ordinal);
        Assert.Contains("resilience_yarp_routing_lag_seconds", scrape, StringComparison.Ordinal);
    }

    private static string RouteTo(string routeId, string address, string clusterId = "c") => JsonSerializer.Serialize(new
    {
        // YARP's own shape: keyed by id.
        Routes = new Dictionary<string, object> { [routeId] = new { ClusterId = clusterId, Match = new { Path = "{**rest}" } } },
        Clusters = new Dictionary<string, object> { ["c"] = new { Destinations = new Dictionary<string, object> { ["d1"] = new { Address = address } } } },
    });

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<string?> GetBodyAsync(string url)
    {
        var response = await _client.GetAsync(url);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }

    private async Task<string?> StateAsync(GatewayProcess gateway, string property)
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync(gateway.Url + "/resilience/state"));
        return doc.RootElement.GetProperty(property).ToString();
    }
}
