using System.Net;
using System.Text.Json;

namespace Resilience.Yarp.Tests;

/// <summary>
/// <c>/healthz</c> and <c>/healthz/ready</c> answer JSON with what the node serves: tier, configuration hash and age,
/// link, last apply result and the checks that ran.
/// </summary>
public sealed class HealthResponseTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Health_JSON_follows_the_node_from_nothing_to_a_manual_config_and_a_refusal()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        await Eventually.HoldsAsync(() => Task.FromResult(gateway.DataPlane.State.StartupCompleted), "start-up to finish");

        var (status, live) = await GetAsync(gateway, "/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        Assert.Equal("None", live.GetProperty("serving_tier").GetString());
        Assert.True(live.GetProperty("startup_completed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("config").ValueKind);
        Assert.Equal("NotConfigured", live.GetProperty("link").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("last_apply").ValueKind);
        Assert.Empty(live.GetProperty("checks").EnumerateObject());

        var (readyStatus, notReady) = await GetAsync(gateway, "/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal("Unhealthy", notReady.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", notReady.GetProperty("checks").GetProperty("data-plane").GetProperty("status").GetString());
        Assert.Equal("No configuration is served.", notReady.GetProperty("checks").GetProperty("data-plane").GetProperty("description").GetString());

        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(upstream.Url))).StatusCode);
        var served = gateway.DataPlane.Current!.Hash;
        await Eventually.HoldsAsync(async () => (await GetAsync(gateway, "/healthz/ready")).Status == HttpStatusCode.OK, "ready on the manual config");
        var (_, ready) = await GetAsync(gateway, "/healthz/ready");
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.Equal("Manual", ready.GetProperty("serving_tier").GetString());
        Assert.Equal(served, ready.GetProperty("config").GetProperty("hash").GetString());
        var age = ready.GetProperty("config").GetProperty("age_seconds").GetDouble();
        Assert.InRange(age, 0, 120);
        Assert.Equal("Applied", ready.GetProperty("last_apply").GetProperty("outcome").GetString());
        Assert.Equal("Manual", ready.GetProperty("last_apply").GetProperty("origin").GetString());
        Assert.Equal(served, ready.GetProperty("last_apply").GetProperty("hash").GetString());
        var checks = ready.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("data-plane").GetProperty("status").GetString());
        Assert.Equal(served, checks.GetProperty("data-plane").GetProperty("data").GetProperty("config_hash").GetString());
        Assert.Equal("Healthy", checks.GetProperty("data-plane-routing").GetProperty("status").GetString());

        // A refused configuration: the last apply says why, the served one stays in "config".
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await gateway.ApplyAsync("{ \"Routes\": { \"r\": { \"ClusterId\": \"missing\", \"Match\": { \"Path\": \"/x\" } } } }")).StatusCode);
        var (_, refused) = await GetAsync(gateway, "/healthz");
        Assert.Equal(served, refused.GetProperty("config").GetProperty("hash").GetString());
        var lastApply = refused.GetProperty("last_apply");
        Assert.Equal("Rejected", lastApply.GetProperty("outcome").GetString());
        Assert.Equal("ValidatorRejected", lastApply.GetProperty("reason").GetString());
        Assert.Contains(lastApply.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("unknown cluster 'missing'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_JSON_names_the_link_and_the_control_plane_version()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var controlPlane = await ControlPlane.StartAsync();
        await using var gateway = await Gateway.StartAsync(_dir.File("data"), resilience: controlPlane.Link);
        var published = await controlPlane.PublishAsync(ProxyConfigs.CatchAll(upstream.Url));
        await Eventually.HoldsAsync(async () => (await GetAsync(gateway, "/healthz/ready")).Status == HttpStatusCode.OK, "ready on the pushed config");

        var (_, health) = await GetAsync(gateway, "/healthz/ready");
        Assert.Equal("ControlPlane", health.GetProperty("serving_tier").GetString());
        Assert.Equal(published.Hash, health.GetProperty("config").GetProperty("hash").GetString());
        Assert.Equal(published.Version, health.GetProperty("config").GetProperty("version").GetString());
        var link = health.GetProperty("link");
        Assert.Equal("Connected", link.GetProperty("status").GetString());
        Assert.Equal(controlPlane.Endpoint.ToString(), link.GetProperty("endpoint").GetString());
        Assert.True(link.TryGetProperty("since", out _));
        Assert.Equal(JsonValueKind.Null, link.GetProperty("last_error").ValueKind);
    }

    public void Dispose() => _dir.Dispose();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(Gateway gateway, string path)
    {
        using var response = await gateway.Client.GetAsync(gateway.Url + path);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
